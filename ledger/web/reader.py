"""One read-only unit of work per server process, used by one request at a time, each read
bounded in time: a database that stops answering is a 503, never a hung server."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as Timeout
from typing import TypeVar

from ledger.errors import StoreUnavailable
from ledger.settings import Settings
from ledger.store.location import store_errors
from ledger.usecases.unit import UnitOfWork

T = TypeVar("T")


class Reader:
    """Runs reads on a unit of work opened without the signing key; a read that takes longer
    than ``timeout_s`` gives ``store_unavailable`` and the unit is abandoned for a fresh one
    (its thread may stay stuck on a dead connection; it is never used again)."""

    def __init__(self, settings: Settings, timeout_s: float) -> None:
        self.settings = settings
        self.timeout_s = timeout_s
        self._lock = threading.Lock()
        self._unit: UnitOfWork | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ledger-read")

    def read(self, use: Callable[[UnitOfWork], T]) -> T:
        """``use(unit)``, or StoreUnavailable when it does not finish in time."""
        with self._lock:
            unit = self._unit = self._unit or UnitOfWork(self.settings, sign=False)
            future = self._pool.submit(self._guarded, use, unit)
            try:
                return future.result(timeout=self.timeout_s)
            except Timeout:
                self._unit = None
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ledger-read")
                raise StoreUnavailable(
                    f"store {self.settings.location.redacted}: expected an answer within "
                    f"{self.timeout_s:g} s, found none"
                ) from None

    def _guarded(self, use: Callable[[UnitOfWork], T], unit: UnitOfWork) -> T:
        with store_errors(self.settings.location):
            return use(unit)

    def close(self) -> None:
        """Close the unit in the thread that uses it (unless that thread is stuck), then the
        pool."""
        with self._lock:
            if self._unit is not None:
                closing = self._pool.submit(self._unit.close)
                with contextlib.suppress(Timeout):
                    closing.result(timeout=self.timeout_s)
            self._pool.shutdown(wait=False, cancel_futures=True)
