"""One read-only unit of work per server process, on one thread of its own, each read bounded
in time: a database that stops answering is a 503, never a hung server.

Handlers are coroutines: they wait for the reader thread without holding a thread of their
own, and what never changes (a full tile, a retirement's proof in a given checkpoint) is kept
in a small cache on the event loop's side.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar

from ledger.errors import StoreUnavailable
from ledger.settings import Settings
from ledger.store.location import store_errors
from ledger.usecases.unit import UnitOfWork

T = TypeVar("T")
V = TypeVar("V")


class Reader:
    """Runs reads on a unit of work opened without the signing key. A read that takes longer
    than ``timeout_s`` gives ``store_unavailable``; the unit and its thread are then abandoned
    (the thread may stay stuck on a dead connection) and the next read starts afresh."""

    def __init__(self, settings: Settings, timeout_s: float) -> None:
        self.settings = settings
        self.timeout_s = timeout_s
        self._unit: UnitOfWork | None = None
        self._thread = self._new_thread()

    @staticmethod
    def _new_thread() -> ThreadPoolExecutor:
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="ledger-read")

    async def read(self, use: Callable[[UnitOfWork], T]) -> T:
        """``use(unit)`` on the reader thread, or StoreUnavailable when it takes too long."""
        unit = self._unit = self._unit or UnitOfWork(self.settings, sign=False)
        thread = self._thread
        running = asyncio.wrap_future(thread.submit(self._guarded, use, unit))
        try:
            return await asyncio.wait_for(running, self.timeout_s)
        except TimeoutError:
            if self._thread is thread:  # the first read to time out replaces them
                self._unit, self._thread = None, self._new_thread()
                thread.shutdown(wait=False, cancel_futures=True)
            raise StoreUnavailable(
                f"store {self.settings.location.redacted}: expected an answer within "
                f"{self.timeout_s:g} s, found none"
            ) from None

    def _guarded(self, use: Callable[[UnitOfWork], T], unit: UnitOfWork) -> T:
        with store_errors(self.settings.location):
            return use(unit)

    def close(self) -> None:
        """Close the unit on its own thread (unless that thread is stuck), then the thread."""
        if self._unit is not None:
            closing = self._thread.submit(self._unit.close)
            with contextlib.suppress(TimeoutError):
                closing.result(timeout=self.timeout_s)
        self._thread.shutdown(wait=False, cancel_futures=True)


class Lasting(Generic[V]):
    """What never changes once made, by key, the most recently used ``size`` of them."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: OrderedDict[Hashable, V] = OrderedDict()

    def get(self, key: Hashable) -> V | None:
        found = self._kept.get(key)
        if found is not None:
            self._kept.move_to_end(key)
        return found

    def put(self, key: Hashable, value: V) -> V:
        self._kept[key] = value
        if len(self._kept) > self.size:
            self._kept.popitem(last=False)
        return value
