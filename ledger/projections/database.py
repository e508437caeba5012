"""The projections' own connection to the ledger's database: the same SQLite file, or the same
PostgreSQL schema, with SQL both share (``?`` placeholders) and a named lock per writer."""

from __future__ import annotations

import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from ledger.errors import LedgerError, NotFound, StoreUnavailable
from ledger.store.location import StoreLocation


class Database(ABC):
    """The projections' own connection to the events' database. Statements use ``?``
    placeholders and the SQL that SQLite and PostgreSQL share."""

    conn: Any
    driver_errors: tuple[type[Exception], ...]
    """What the driver raises when the database refuses or fails to answer."""

    @abstractmethod
    def locked(self, name: str) -> AbstractContextManager[Database]:
        """One transaction holding ``name``'s lock: a second holder waits for it."""

    def execute(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement; its rows, if it returns any."""
        try:
            cursor = self.conn.execute(self.dialect(statement), params)
        except self.driver_errors as e:
            raise self.refusal(e) from None
        return list(cursor.fetchall()) if cursor.description else []

    def execute_many(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for each of ``rows`` (no results): on PostgreSQL in one pipeline,
        not a round trip per row."""
        if not rows:
            return
        try:
            self.conn.cursor().executemany(self.dialect(statement), rows)
        except self.driver_errors as e:
            raise self.refusal(e) from None

    @abstractmethod
    def refusal(self, error: Exception) -> LedgerError:
        """The ledger's error for a driver's: a projection not built yet, or the store
        unavailable."""

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

    driver_errors = (sqlite3.OperationalError,)

    def __init__(self, path: str, timeout: float) -> None:
        self.conn = sqlite3.connect(path, timeout=timeout, isolation_level=None)

    def refusal(self, error: Exception) -> LedgerError:
        if "no such table" in str(error) or "no such column" in str(error):
            return not_built(first_line(error))
        return StoreUnavailable(f"expected the store to answer, found: {first_line(error)}")

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


def unreachable(location: StoreLocation, error: Exception) -> StoreUnavailable:
    return StoreUnavailable(
        f"store {location.redacted}: expected it reachable, found: {first_line(error)}"
    )


def first_line(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def not_built(what: str) -> NotFound:
    return NotFound(f"expected the projections built, found {what} (run `ledger project`)")
