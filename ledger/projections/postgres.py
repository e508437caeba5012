"""The projections' connection to a PostgreSQL store (psycopg is imported only here, so a
SQLite command never loads it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql

from ledger.errors import LedgerError, StoreUnavailable
from ledger.projections.database import Database, first_line, not_built, unreachable
from ledger.store.bounded import BoundedConnection, NotAnswering
from ledger.store.location import PG_TCP_SETTINGS, StoreLocation, read_only_store


class PostgresDatabase(Database):
    """The store's PostgreSQL schema, as the search path of a connection of our own."""

    driver_errors = (psycopg.OperationalError, NotAnswering, psycopg.errors.UndefinedTable,
                     psycopg.errors.ReadOnlySqlTransaction)

    def __init__(self, location: StoreLocation, env: dict[str, str]) -> None:
        self.location = location
        self.schema = env.get("POSTGRES_SCHEMA", "public")
        self.conn = BoundedConnection.connect(
            dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"],
            port=env["POSTGRES_PORT"], user=env["POSTGRES_USER"],
            password=env["POSTGRES_PASSWORD"], connect_timeout=env["POSTGRES_CONNECT_TIMEOUT"],
            autocommit=True, **PG_TCP_SETTINGS,
        )
        self.conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(self.schema)))

    def refusal(self, error: Exception) -> LedgerError:
        if isinstance(error, psycopg.errors.UndefinedTable | psycopg.errors.UndefinedColumn):
            return not_built(first_line(error))
        if isinstance(error, psycopg.errors.ReadOnlySqlTransaction):
            return read_only_store(self.location)
        return StoreUnavailable(f"store {self.location.redacted}: expected it to answer, found: "
                                f"{first_line(error)}")

    def dialect(self, statement: str) -> str:
        return statement.replace("?", "%s")  # our statements hold no literal "?"

    def read_only(self) -> bool:
        """Asked of the server: a hot standby's transactions, and a session made read-only
        (``default_transaction_read_only``), are all read-only."""
        return bool(self.execute("SHOW transaction_read_only")[0][0] == "on")

    @contextmanager
    def locked(self, name: str) -> Iterator[Database]:
        try:
            with self.conn.transaction():  # its BEGIN and COMMIT are round trips too
                # Released at COMMIT or ROLLBACK, and when a killed runner's connection drops.
                self.execute("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))",
                             [f"{self.schema}.{name}"])
                yield self
        except self.driver_errors as e:
            raise self.refusal(e) from None


def open_postgres(location: StoreLocation, env: dict[str, str]) -> PostgresDatabase:
    """A connection to the store's schema, or ``store_unavailable``."""
    try:
        return PostgresDatabase(location, env)
    except psycopg.Error as e:
        raise unreachable(location, e) from None
