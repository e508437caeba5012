"""Signature checks spread over worker processes: they bound the audit's speed.

Workers get the trusted public keys once, then pages of (position, key id, payload,
signature); they answer with the positions whose signature does not verify. Pages in flight
are bounded, so memory stays flat however long the log is.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context

from ledger.signing.ed25519 import verifies

Check = tuple[int, str, bytes, bytes]
_KEYS: dict[str, bytes] = {}


def _init(keys: dict[str, bytes]) -> None:
    _KEYS.update(keys)


def failures(checks: list[Check]) -> list[int]:
    """Positions whose signature does not verify under the named (trusted) key."""
    failed = []
    for position, key_id, payload, signature in checks:
        key = _KEYS.get(key_id)
        if key is None or not verifies(key, signature, payload):
            failed.append(position)
    return failed


class SignatureChecker:
    """Submit pages of checks; iterate the failed positions of completed pages."""

    def __init__(self, keys: dict[str, bytes], jobs: int) -> None:
        self.jobs = jobs
        self.pending: deque[Future[list[int]]] = deque()
        self.pool: ProcessPoolExecutor | None = None
        if jobs > 1:
            self.pool = ProcessPoolExecutor(jobs, mp_context=get_context("spawn"),
                                            initializer=_init, initargs=(keys,))
        else:
            _init(keys)

    def submit(self, checks: list[Check]) -> Iterator[int]:
        """Queue a page; yield failures of the pages that must be drained to stay bounded."""
        if self.pool is None:
            yield from failures(checks)
            return
        self.pending.append(self.pool.submit(failures, checks))
        while len(self.pending) > 2 * self.jobs:
            yield from self.pending.popleft().result()

    def drain(self) -> Iterator[int]:
        while self.pending:
            yield from self.pending.popleft().result()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
