"""The projections' own connection to the ledger's database: the same SQLite file, or the same
PostgreSQL schema, with SQL both share (``?`` placeholders) and a named lock per writer."""

from __future__ import annotations

import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import psycopg
from psycopg import sql

from ledger.errors import NotFound, StoreUnavailable
from ledger.store.location import PG_TCP_SETTINGS, StoreLocation, read_only_store


class Database(ABC):
    """The projections' own connection to the events' database. Statements use ``?``
    placeholders and the SQL that SQLite and PostgreSQL share."""

    conn: Any

    @abstractmethod
    def locked(self, name: str) -> AbstractContextManager[Database]:
        """One transaction holding ``name``'s lock: a second holder waits for it."""

    def execute(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement; its rows, if it returns any."""
        try:
            cursor = self.conn.execute(self.dialect(statement), params)
        except (sqlite3.OperationalError, psycopg.OperationalError) as e:
            if "no such table" in str(e):
                raise not_built(first_line(e)) from None
            raise StoreUnavailable(f"expected the store to answer, found: {first_line(e)}") \
                from None
        except psycopg.errors.UndefinedTable as e:
            raise not_built(first_line(e)) from None
        return list(cursor.fetchall()) if cursor.description else []

    def dialect(self, statement: str) -> str:
        """The statement in this database's placeholder style."""
        return statement

    @abstractmethod
    def read_only(self) -> bool:
        """Whether the database refuses writes (a PostgreSQL hot standby)."""

    def close(self) -> None:
        self.conn.close()


class SQLiteDatabase(Database):
    """The store's SQLite file, through a connection of our own (the library's never starts
    a transaction with BEGIN IMMEDIATE)."""

    def __init__(self, path: str, timeout: float) -> None:
        self.conn = sqlite3.connect(path, timeout=timeout, isolation_level=None)

    @contextmanager
    def locked(self, name: str) -> Iterator[Database]:
        # SQLite has one write lock: other runners wait for it, and so do the ledger's
        # writers, which is why a batch is decoded before the lock is taken.
        self.execute("BEGIN IMMEDIATE")
        try:
            yield self
            self.execute("COMMIT")
        finally:
            if self.conn.in_transaction:
                self.conn.rollback()

    def read_only(self) -> bool:
        return False  # an embedded file is its own primary: it has no standbys


class PostgresDatabase(Database):
    """The store's PostgreSQL schema, as the search path of a connection of our own."""

    def __init__(self, location: StoreLocation) -> None:
        env = location.env()
        self.location = location
        self.schema = env.get("POSTGRES_SCHEMA", "public")
        self.conn = psycopg.connect(
            dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"],
            port=env["POSTGRES_PORT"], user=env["POSTGRES_USER"],
            password=env["POSTGRES_PASSWORD"], connect_timeout=env["POSTGRES_CONNECT_TIMEOUT"],
            autocommit=True, **PG_TCP_SETTINGS,
        )
        self.conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(self.schema)))

    def execute(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            return super().execute(statement, params)
        except psycopg.errors.ReadOnlySqlTransaction:
            raise read_only_store(self.location) from None

    def dialect(self, statement: str) -> str:
        return statement.replace("?", "%s")  # our statements hold no literal "?"

    def read_only(self) -> bool:
        """Asked of the server: a hot standby's transactions, and a session made read-only
        (``default_transaction_read_only``), are all read-only."""
        return bool(self.execute("SHOW transaction_read_only")[0][0] == "on")

    @contextmanager
    def locked(self, name: str) -> Iterator[Database]:
        with self.conn.transaction():
            # Released at COMMIT or ROLLBACK, and when a killed runner's connection drops.
            self.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", [f"{self.schema}.{name}"]
            )
            yield self


def open_database(location: StoreLocation) -> Database:
    """A connection to the store's database (its SQLite file, its PostgreSQL schema)."""
    if not location.exists():  # sqlite3.connect would make an empty file
        raise NotFound(f"no ledger at {location.redacted} (run `ledger init`, or give --db)")
    env = location.env()
    try:
        if location.is_postgres:
            return PostgresDatabase(location)
        return SQLiteDatabase(env["SQLITE_DBNAME"], float(env["SQLITE_LOCK_TIMEOUT"]))
    except (sqlite3.Error, psycopg.Error) as e:
        raise StoreUnavailable(
            f"store {location.redacted}: expected it reachable, found: {first_line(e)}"
        ) from None


def first_line(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def not_built(what: str) -> NotFound:
    return NotFound(f"expected the projections built, found {what} (run `ledger project`)")
