"""The audit's signature checks, spread over worker processes: they bound the audit's speed.

Pages of (position, key id, payload, signature) go to :class:`~ledger.signing.batch.Worker`
processes (the same workers projection catch-up uses), one share per worker; what comes back
is one byte per signature, and the failed positions are reported. Pages in flight are
bounded, so memory stays flat however long the log is. A worker that dies leaves its share to
be checked here; a key id nobody trusts fails without being sent.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from ledger.signing.batch import Batch, Worker
from ledger.signing.ed25519 import verifies

Check = tuple[int, str, bytes, bytes]


class SignatureChecker:
    """Submit pages of checks; iterate the failed positions of completed pages."""

    def __init__(self, keys: dict[str, bytes], jobs: int) -> None:
        self.keys = keys
        self.jobs = jobs
        self.workers = [Worker.start() for _ in range(jobs)] if jobs > 1 else []
        self.pending: deque[tuple[list[Check], Batch]] = deque()
        self._next = 0

    def submit(self, checks: list[Check]) -> Iterator[int]:
        """Queue a page; yield failures of the pages that must be drained to stay bounded."""
        known = [c for c in checks if c[1] in self.keys]
        yield from (c[0] for c in checks if c[1] not in self.keys)
        if not self.workers:
            yield from self.failures(known)
            return
        share = -(-len(known) // len(self.workers)) or 1
        for first in range(0, len(known), share):
            part = known[first:first + share]
            worker = self.workers[self._next % len(self.workers)]
            self._next += 1
            self.pending.append((part, worker.send(
                [(self.keys[key_id], signature, payload)
                 for _, key_id, payload, signature in part])))
        while len(self.pending) > 2 * self.jobs:
            yield from self._answered(*self.pending.popleft())

    def drain(self) -> Iterator[int]:
        """Failures of every page still in flight."""
        while self.pending:
            yield from self._answered(*self.pending.popleft())

    def failures(self, checks: list[Check]) -> list[int]:
        """Positions whose signature does not verify, checked here."""
        return [position for position, key_id, payload, signature in checks
                if not verifies(self.keys[key_id], signature, payload)]

    def _answered(self, part: list[Check], batch: Batch) -> list[int]:
        answer = batch.answers()
        if answer is None:
            return self.failures(part)  # the worker died: check its share here
        return [check[0] for check, ok in zip(part, answer, strict=True) if not ok]

    def close(self) -> None:
        """Stop the workers."""
        for worker in self.workers:
            worker.stop()
        self.workers = []
