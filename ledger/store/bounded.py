"""Bounded waits on PostgreSQL: no round trip waits for ever, and a server that stopped
answering is not asked again at once (psycopg is imported only here and in the projections'
PostgreSQL module, so a SQLite command never loads it).

A server that keeps its TCP connection open but stops answering (a frozen host, a proxy that
hangs) acknowledges every packet, so neither TCP keepalives nor ``tcp_user_timeout`` notice
it, and a cancel request would take the same frozen path. :class:`BoundedConnection` gives
every wait of psycopg's (each query, fetch, BEGIN, COMMIT and ROLLBACK goes through
``Connection.wait``) a deadline of ``LEDGER_PG_STATEMENT_TIMEOUT`` seconds; past it the
connection is closed and the wait fails with ``OperationalError``. The server is also told to
cancel a statement it runs longer than that (``statement_timeout``, a second earlier), so a
slow statement ends cleanly on the server before the client gives up on it.

The library the ledger stores events through retries a failed read ten times. So that a
frozen, unreachable or locked server costs one deadline and not ten, a server that missed a
deadline or a connect timeout, or cancelled a statement for its timeout or a lock's, is taken
as down for :data:`QUIET_S` seconds: connecting to it, and waiting on any connection to it,
fails at once with the first failure's reason. A long-running process (``ledger serve``,
``ledger project --follow``) asks again after that.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import psycopg_pool
from psycopg.conninfo import conninfo_to_dict

from ledger.parsing import parse_seconds

STATEMENT_TIMEOUT_ENV = "LEDGER_PG_STATEMENT_TIMEOUT"
DEFAULT_STATEMENT_TIMEOUT_S = 30.0
QUIET_S = 10.0
"""How long a server that missed a deadline is taken as down."""

_down: dict[str, tuple[float, str]] = {}
_down_lock = threading.Lock()


def statement_timeout() -> float:
    """``LEDGER_PG_STATEMENT_TIMEOUT`` in seconds (default 30), from 0.1 to 3600."""
    text = os.environ.get(STATEMENT_TIMEOUT_ENV, "")
    return parse_seconds(STATEMENT_TIMEOUT_ENV, text, 0.1, 3600) if text \
        else DEFAULT_STATEMENT_TIMEOUT_S


def server_options(deadline_s: float) -> str:
    """libpq ``options`` asking the server to cancel statements that run past the deadline,
    a second (or a tenth of it) before the client would give up."""
    server_ms = max(int((deadline_s - min(1.0, deadline_s / 10)) * 1000), 1)
    return f"-c statement_timeout={server_ms}"


def _where(conninfo: str, kwargs: dict[str, Any]) -> str:
    params = {**conninfo_to_dict(conninfo), **kwargs}
    return f"{params.get('host') or 'localhost'}:{params.get('port') or 5432}"


def _mark_down(where: str, reason: str) -> None:
    with _down_lock:
        _down[where] = (time.monotonic() + QUIET_S, reason)


def _still_down(where: str) -> str | None:
    """Why ``where`` is taken as down, if it still is (a dict read: no lock on the hot path)."""
    until, reason = _down.get(where, (0.0, ""))
    return f"{reason} (not asked again for {QUIET_S:g} s)" if until > time.monotonic() else None


class NotAnswering(psycopg.DatabaseError):
    """The server missed a deadline, or is taken as down. Not an ``OperationalError``, which
    the event store's library retries ten times: retrying a server that stopped answering
    only multiplies the wait."""


GAVE_UP = (psycopg.errors.QueryCanceled, psycopg.errors.LockNotAvailable)
"""What the server answers a statement that ran, or waited for a lock, past its timeout."""


class BoundedCursor(psycopg.Cursor[Any]):
    """A cursor whose statement the server gave up on marks the server as down."""

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        with self._noting_give_up():
            return super().execute(*args, **kwargs)

    def executemany(self, *args: Any, **kwargs: Any) -> Any:
        with self._noting_give_up():
            return super().executemany(*args, **kwargs)

    @contextmanager
    def _noting_give_up(self) -> Iterator[None]:
        try:
            yield
        except GAVE_UP as e:
            where = getattr(self.connection, "where", "")
            _mark_down(where, f"{where}: {str(e).splitlines()[0]}")
            raise


class BoundedConnection(psycopg.Connection[Any]):
    """A psycopg connection whose every wait has a deadline (:func:`statement_timeout`)."""

    deadline_s: float = DEFAULT_STATEMENT_TIMEOUT_S
    where: str = ""

    @classmethod
    def connect(cls, conninfo: str = "", **kwargs: Any) -> BoundedConnection:
        """Connect, unless the server missed a deadline in the last :data:`QUIET_S` s."""
        where = _where(conninfo, kwargs)
        if (down := _still_down(where)) is not None:
            raise psycopg.OperationalError(down)
        deadline_s = statement_timeout()
        # Beside any options already asked for (libpq's PGOPTIONS would be overridden).
        given = kwargs.get("options") or conninfo_to_dict(conninfo).get("options") \
            or os.environ.get("PGOPTIONS", "")
        kwargs["options"] = f"{given} {server_options(deadline_s)}".strip()
        try:
            conn = super().connect(conninfo, **kwargs)
        except psycopg.OperationalError as e:
            reason = str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__
            _mark_down(where, f"no connection to {where}: {reason}")
            raise
        assert isinstance(conn, BoundedConnection)
        conn.deadline_s, conn.where = deadline_s, where
        conn.cursor_factory = BoundedCursor
        return conn

    def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
        """psycopg's wait, with the deadline when the caller set none (psycopg's own timed
        waits, such as a cancel's, are its own to handle). A server taken as down is not
        waited for; one that missed the deadline, or cancelled a statement for running or
        waiting for a lock too long, is taken as down."""
        if timeout is not None:
            return super().wait(gen, interval, timeout)
        if (down := _still_down(self.where)) is not None:
            gen.close()
            self.pgconn.finish()  # what it was doing is abandoned: never used again
            raise NotAnswering(down)
        try:
            return super().wait(gen, interval, self.deadline_s)
        except psycopg.errors._WaitTimeout:
            reason = (f"no answer from {self.where} within {self.deadline_s:g} s "
                      f"({STATEMENT_TIMEOUT_ENV})")
            _mark_down(self.where, reason)
            self.pgconn.finish()  # in an unknown state: never used again
            raise NotAnswering(reason) from None


def bound_pool(pool: Any) -> None:
    """A connection pool that fails at once while its server is taken as down, and whose
    wait for a connection, once past, takes the server as down (instead of the library
    retrying the wait ten times)."""
    kwargs = pool.kwargs if isinstance(pool.kwargs, dict) else {}
    where = _where(pool.conninfo or "", kwargs)
    getconn = pool.getconn

    def bounded_getconn(timeout: float | None = None) -> Any:
        if (down := _still_down(where)) is not None:
            raise NotAnswering(down)
        try:
            return getconn(timeout)
        except psycopg_pool.PoolTimeout as e:
            reason = f"no connection to {where} ({e})"
            _mark_down(where, reason)
            raise NotAnswering(reason) from None

    pool.getconn = bounded_getconn
    pool.connection_class = BoundedConnection
