"""Shared fixtures: the same application tests run on SQLite and on a real PostgreSQL.

Each PostgreSQL test gets a schema of its own (``tests.support.postgres`` says which server).
Helpers live in ``tests.support``; this file only makes fixtures of them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from ledger.projections.connect import open_database
from ledger.projections.database import Database
from ledger.settings import Settings
from ledger.usecases import setup
from ledger.usecases.unit import UnitOfWork
from tests.support.clock import Clock
from tests.support.postgres import PG_DSN, require_postgres


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


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def db(settings: Settings, ledger: UnitOfWork) -> Iterator[Database]:
    """The projections' own connection to the ledger's database."""
    database = open_database(settings.location)
    try:
        yield database
    finally:
        database.close()


@pytest.fixture
def ledger(settings: Settings, clock: Clock) -> Iterator[UnitOfWork]:
    setup.initialise(settings)
    app = UnitOfWork(settings, clock=clock)
    try:
        yield app
    finally:
        app.close()
