"""Where the store is: a SQLite file (the embedded default) or a PostgreSQL URL.

Connection settings (documented in the README): PostgreSQL connections time out after
``LEDGER_PG_CONNECT_TIMEOUT`` seconds (default 5) and waits for a lock after
``LEDGER_PG_LOCK_TIMEOUT`` seconds (default 10), and every round trip after
``LEDGER_PG_STATEMENT_TIMEOUT`` seconds (default 30, :mod:`ledger.store.bounded`); SQLite waits
``LEDGER_SQLITE_LOCK_TIMEOUT`` seconds (default 30) for a writer's lock.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from ledger.errors import InvalidArgument, NotFound, ReadOnlyStore, StoreUnavailable

DEFAULT_DB = "ledger.db"
POSTGRES_SCHEMES = ("postgresql", "postgres")
PG_TCP_SETTINGS: dict[str, Any] = {
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 3,
    "tcp_user_timeout": 15_000,  # ms
}
"""On PostgreSQL, let the kernel notice a server that vanished (a dead host, a cut network):
TCP keepalives and a bound on unacknowledged data, on every connection the ledger makes."""


@dataclass(frozen=True)
class StoreLocation:
    """Where the store is: ``url`` as given (a path or a PostgreSQL URL), and the
    eventsourcing settings it means."""

    url: str

    @property
    def is_postgres(self) -> bool:
        return urlsplit(self.url).scheme in POSTGRES_SCHEMES

    @property
    def sqlite_path(self) -> Path:
        return Path(self.url.removeprefix("sqlite:///").removeprefix("sqlite://"))

    @property
    def redacted(self) -> str:
        """The URL with any password removed, safe to print."""
        if not self.is_postgres:
            return self.url
        parts = urlsplit(self.url)
        if parts.password is None:
            return self.url
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        return parts._replace(netloc=netloc).geturl()

    def exists(self) -> bool:
        return self.is_postgres or self.sqlite_path.exists()

    def default_key_dir(self) -> Path:
        if self.is_postgres:
            return Path("ledger-keys")
        path = self.sqlite_path
        return path.with_name(path.name + ".keys")

    def env(self, *, create_tables: bool = False) -> dict[str, str]:
        """Settings for eventsourcing. On PostgreSQL, tables are created by `ledger init` only:
        many processes racing to create them would fail ("tuple concurrently updated")."""
        if not self.is_postgres:
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(self.sqlite_path),
                "SQLITE_LOCK_TIMEOUT": os.environ.get("LEDGER_SQLITE_LOCK_TIMEOUT", "30"),
            }
        parts = urlsplit(self.url)
        query = parse_qs(parts.query)
        if not parts.path.strip("/"):
            raise InvalidArgument(
                f"--db: expected postgresql://USER@HOST:PORT/DBNAME, found {self.redacted}"
            )
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": unquote(parts.path.strip("/")),
            "POSTGRES_HOST": parts.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            "POSTGRES_CONNECT_TIMEOUT": os.environ.get("LEDGER_PG_CONNECT_TIMEOUT", "5"),
            "POSTGRES_LOCK_TIMEOUT": os.environ.get("LEDGER_PG_LOCK_TIMEOUT", "10"),
            "POSTGRES_POOL_SIZE": "2",
            "POSTGRES_MAX_OVERFLOW": "2",
            "CREATE_TABLE": "yes" if create_tables else "no",
        }
        if "schema" in query:
            env["POSTGRES_SCHEMA"] = query["schema"][0]
        return env


def read_only_store(location: StoreLocation) -> ReadOnlyStore:
    """The refusal of a write by a read-only server (SQLSTATE 25006: a hot standby)."""
    return ReadOnlyStore(f"store {location.redacted}: expected a writable primary, found a "
                         "read-only server (a hot standby); run writes on the primary")


READ_ONLY_SQL_TRANSACTION = "25006"
"""The SQLSTATE a hot standby answers a write with (psycopg is not imported here: SQLite
commands never load it)."""


@contextmanager
def store_errors(location: StoreLocation) -> Iterator[None]:
    """A database that is down or unreachable, or that refuses writes (a hot standby), is a
    clear error, the password removed."""
    try:
        yield
    except Exception as e:
        # The library's errors: its module is imported by whatever opened the store (a read
        # of the projections alone never loads it).
        persistence = sys.modules.get("eventsourcing.persistence")
        if persistence is None or not isinstance(e, persistence.PersistenceError):
            raise
        if getattr(e.__cause__, "sqlstate", None) == READ_ONLY_SQL_TRANSACTION:
            raise read_only_store(location) from None
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        if "does not exist" in reason:
            raise NotFound(
                f"no ledger at {location.redacted} ({reason}; run `ledger init`)"
            ) from None
        password = urlsplit(location.url).password if location.is_postgres else None
        if password:
            reason = reason.replace(unquote(password), "***")
        raise StoreUnavailable(
            f"store {location.redacted}: expected it reachable, found: {reason}"
        ) from None
