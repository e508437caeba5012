"""The PostgreSQL server tests run against: 127.0.0.1:5432 (user postgres, trust auth, database
``test``), or ``LEDGER_TEST_PG``. Under ``CI=true`` a missing server fails the run; elsewhere a
test that needs it skips, visibly."""

from __future__ import annotations

import os

import psycopg
import pytest

PG_DSN = os.environ.get("LEDGER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")

_up: bool | None = None


def postgres_available() -> bool:
    try:
        with psycopg.connect(PG_DSN, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


def require_postgres() -> None:
    """Skip (or under CI=true, fail) when the server is not reachable."""
    global _up
    if _up is None:
        _up = postgres_available()
    if not _up:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but PostgreSQL is not reachable at {PG_DSN}")
        pytest.skip(f"PostgreSQL not reachable at {PG_DSN} (runs under CI=true)")
