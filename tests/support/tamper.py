"""Direct edits of stored rows, the way an attacker with database access would make them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import psycopg

from ledger.projections.connect import open_database
from ledger.settings import Settings
from ledger.signing.keys import KeyDirectory, Keyring, TrustedKey
from ledger.store.location import StoreLocation
from ledger.usecases.unit import UnitOfWork
from tests.support.clock import Clock


@contextmanager
def connect(settings: Settings, kind: str = "events") -> Iterator[tuple[Any, str, str]]:
    """A connection, the events (or snapshots) table and the parameter placeholder."""
    store: StoreLocation = settings.location
    if store.is_postgres:
        schema = store.env()["POSTGRES_SCHEMA"]
        base = store.url.split("?")[0]
        with psycopg.connect(base, autocommit=True) as conn:
            yield conn, f'"{schema}".ledger_{kind}', "%s"
    else:
        conn = sqlite3.connect(store.sqlite_path)
        try:
            yield conn, f"stored_{kind}", "?"
            conn.commit()
        finally:
            conn.close()


def key(store: StoreLocation, originator_id: UUID) -> Any:
    return originator_id if store.is_postgres else originator_id.hex


def read_state(settings: Settings, originator_id: UUID, version: int) -> bytes:
    with connect(settings) as (conn, table, p):
        row = conn.execute(
            f"SELECT state FROM {table} WHERE originator_id = {p} AND originator_version = {p}",
            (key(settings.location, originator_id), version),
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
            (value, key(settings.location, originator_id), version),
        )


def flip_byte(settings: Settings, originator_id: UUID, version: int, offset: int) -> None:
    state = bytearray(read_state(settings, originator_id, version))
    state[offset] ^= 0x01
    set_column(settings, originator_id, version, "state", bytes(state))


def replace_in_snapshots(settings: Settings, old: bytes, new: bytes) -> int:
    """Edit every stored snapshot's bytes; return how many rows there were."""
    with connect(settings, "snapshots") as (conn, table, p):
        rows = conn.execute(f"SELECT originator_id, originator_version, state FROM {table}")
        rows = rows.fetchall()
        for originator_id, version, state in rows:
            conn.execute(
                f"UPDATE {table} SET state = {p} "
                f"WHERE originator_id = {p} AND originator_version = {p}",
                (bytes(state).replace(old, new), originator_id, version),
            )
        return len(rows)


def delete(settings: Settings, originator_id: UUID, version: int) -> None:
    with connect(settings) as (conn, table, p):
        conn.execute(
            f"DELETE FROM {table} WHERE originator_id = {p} AND originator_version = {p}",
            (key(settings.location, originator_id), version),
        )


def last_version(settings: Settings, originator_id: UUID) -> int:
    """The newest stored version of an aggregate."""
    with connect(settings) as (conn, table, p):
        row = conn.execute(f"SELECT MAX(originator_version) FROM {table} "
                           f"WHERE originator_id = {p}",
                           (key(settings.location, originator_id),)).fetchone()
        return int(row[0])


def delete_checkpoints(settings: Settings, at_least: int) -> None:
    """Delete the stored checkpoint rows of tree sizes ``at_least`` and up."""
    database = open_database(settings.location)
    try:
        with database.locked("tamper") as tx:
            tx.execute("DELETE FROM checkpoints WHERE tree_size >= ?", [at_least])
    finally:
        database.close()


def zero_node(settings: Settings, level: int, index: int) -> None:
    """Overwrite one stored Merkle node with 32 zero bytes."""
    database = open_database(settings.location)
    try:
        with database.locked("tamper") as tx:
            tx.execute("UPDATE merkle_nodes SET hash = ? WHERE level = ? AND idx = ?",
                       [bytes(32), level, index])
    finally:
        database.close()


def forger(settings: Settings, stranger: KeyDirectory, trusted: dict[str, TrustedKey],
           clock: Clock) -> UnitOfWork:
    """A unit of work that writes straight into the store signed by ``stranger``'s new key,
    as an attacker's own code would: not through the ledger's refusal to write with any key
    but the one in force."""
    forged = stranger.create("mallory")
    unit = UnitOfWork(settings, sign=False, clock=clock)
    unit.events.use_keyring(Keyring(forged, {**trusted, forged.key_id: forged.public}))
    unit.events.guard.operator_version = None  # its own code: no check of the key in force
    return unit
