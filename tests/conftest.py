"""Shared fixtures: the same application tests run on SQLite and on a real PostgreSQL.

PostgreSQL is at 127.0.0.1:5432 (user postgres, trust auth, database ``test``); each test gets a
schema of its own. Under ``CI=true`` a missing server fails the run; elsewhere it skips, visibly.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from ledger.app import Ledger
from ledger.context import Settings, initialise
from ledger.projections.runner import Database, open_database

PG_DSN = os.environ.get("LEDGER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def postgres_available() -> bool:
    try:
        with psycopg.connect(PG_DSN, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


_PG_UP: bool | None = None


def require_postgres() -> None:
    global _PG_UP
    if _PG_UP is None:
        _PG_UP = postgres_available()
    if not _PG_UP:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but PostgreSQL is not reachable at {PG_DSN}")
        pytest.skip(f"PostgreSQL not reachable at {PG_DSN} (runs under CI=true)")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty schema in the test database, dropped afterwards."""
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_DSN}?schema={schema}"
    finally:
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "ledger.db")
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(db=db_url, key_dir=str(tmp_path / "keys"))


class Clock:
    """A clock the tests move by hand."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def db(settings: Settings, ledger: Ledger) -> Iterator[Database]:
    """The projections' own connection to the ledger's database."""
    database = open_database(settings.store)
    try:
        yield database
    finally:
        database.close()


@pytest.fixture
def ledger(settings: Settings, clock: Clock) -> Iterator[Ledger]:
    initialised, _ = initialise(settings)
    initialised.close()
    app = Ledger(settings.store.env(), settings.keys.keyring(), clock=clock)
    try:
        yield app
    finally:
        app.close()
