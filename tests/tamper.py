"""Direct edits of stored rows, the way an attacker with database access would make them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import psycopg

from ledger.context import Settings
from ledger.store import Store


@contextmanager
def connect(settings: Settings) -> Iterator[tuple[Any, str, str]]:
    """A connection, the events table and the parameter placeholder for this store."""
    store: Store = settings.store
    if store.is_postgres:
        schema = store.env()["POSTGRES_SCHEMA"]
        base = store.url.split("?")[0]
        with psycopg.connect(base, autocommit=True) as conn:
            yield conn, f'"{schema}".ledger_events', "%s"
    else:
        conn = sqlite3.connect(store.sqlite_path)
        try:
            yield conn, "stored_events", "?"
            conn.commit()
        finally:
            conn.close()


def key(store: Store, originator_id: UUID) -> Any:
    return originator_id if store.is_postgres else originator_id.hex


def read_state(settings: Settings, originator_id: UUID, version: int) -> bytes:
    with connect(settings) as (conn, table, p):
        row = conn.execute(
            f"SELECT state FROM {table} WHERE originator_id = {p} AND originator_version = {p}",
            (key(settings.store, originator_id), version),
        ).fetchone()
        return bytes(row[0])


def set_column(
    settings: Settings, originator_id: UUID, version: int, column: str, value: Any
) -> None:
    assert column in ("state", "topic", "originator_version")
    with connect(settings) as (conn, table, p):
        conn.execute(
            f"UPDATE {table} SET {column} = {p} "
            f"WHERE originator_id = {p} AND originator_version = {p}",
            (value, key(settings.store, originator_id), version),
        )


def flip_byte(settings: Settings, originator_id: UUID, version: int, offset: int) -> None:
    state = bytearray(read_state(settings, originator_id, version))
    state[offset] ^= 0x01
    set_column(settings, originator_id, version, "state", bytes(state))


def delete(settings: Settings, originator_id: UUID, version: int) -> None:
    with connect(settings) as (conn, table, p):
        conn.execute(
            f"DELETE FROM {table} WHERE originator_id = {p} AND originator_version = {p}",
            (key(settings.store, originator_id), version),
        )
