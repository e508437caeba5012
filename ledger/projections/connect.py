"""Opening the projections' connection: the store's SQLite file, or its PostgreSQL schema
(whose driver is imported only then)."""

from __future__ import annotations

import sqlite3

from ledger.errors import NotFound
from ledger.projections.database import Database, SQLiteDatabase, unreachable
from ledger.store.location import StoreLocation


def open_database(location: StoreLocation) -> Database:
    """A connection to the store's database (its SQLite file, its PostgreSQL schema)."""
    if not location.exists():  # sqlite3.connect would make an empty file
        raise NotFound(f"no ledger at {location.redacted} (run `ledger init`, or give --db)")
    env = location.env()
    if location.is_postgres:
        from ledger.projections.postgres import open_postgres  # psycopg only when needed

        return open_postgres(location, env)
    try:
        return SQLiteDatabase(env["SQLITE_DBNAME"], float(env["SQLITE_LOCK_TIMEOUT"]))
    except sqlite3.Error as e:
        raise unreachable(location, e) from None
