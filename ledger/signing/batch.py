"""Signature checks of whole pages of stored events, in worker processes beside the caller.

Reading the log (projection catch-up, the audit) spends about a third of its time in Ed25519
checks. Worker processes (:mod:`ledger.signing.check_worker`) check page k+1's signatures
while the caller decodes and applies page k, so on two cores the checks leave the critical
path. A thread does not: libsodium releases Python's global lock for each check, but a thread
making 40 µs calls gets the lock back only every few milliseconds from a caller busy in Python
(measured: no overlap at all). ``multiprocessing`` is not used either: its spawned children
import the caller's main module, which a script without a ``__main__`` guard would run again.

Nothing is weakened: an event is handed over (:meth:`SignatureChecks.take`) only once a worker
found its own signature valid, and every other check (columns, key window, hash link) is still
made by the mapper, in log order, in the caller. A worker that fails or dies only means the
caller checks those signatures itself. What goes to a worker is each event's public key,
signature and payload bytes; what comes back is one byte per event. Starting a worker costs
about 0.05 s, so only a backlog of at least :data:`PARALLEL_FROM` events uses them: a query's
catch-up of a few events checks them in the caller as before.
"""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import sys
import threading
from collections import OrderedDict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO

from eventsourcing.persistence import Notification

from ledger.errors import LedgerError
from ledger.signing.envelope import Envelope
from ledger.signing.mapper import SigningMapper, bad_signature

PARALLEL_FROM = 4_000
"""Events behind the head from which checks go to worker processes."""
MAX_WORKERS = 4
MAX_PENDING = 20_000
"""Events whose checks may wait to be taken (a page read ahead and then not used, because
another process moved a projection meanwhile, is dropped oldest first)."""
STOP_S = 2.0


@dataclass
class Batch:
    """Signatures sent to one worker: its answer once read (None: not yet, or the worker
    failed and the caller checks them)."""

    worker: Worker
    answer: bytes | None = None
    failed: bool = False

    def answers(self) -> bytes | None:
        """One byte per signature, 1 when it verifies (waiting for them); None when the
        worker failed and the caller must check them."""
        if self.answer is None and not self.failed:
            self.worker.read_until(self)
        return self.answer

    def verdict(self, index: int) -> bool | None:
        """Whether signature ``index`` verifies; None when the caller must check it."""
        answer = self.answers()
        return None if answer is None else answer[index] == 1


@dataclass
class Worker:
    """One checking process, its batches not answered yet (oldest first), and a thread that
    writes batches to it: the caller never waits on a full pipe while the worker is busy
    with the batch before."""

    process: subprocess.Popen[bytes]
    waiting: deque[tuple[Batch, int]] = field(default_factory=deque)
    broken: bool = False
    outbox: queue.SimpleQueue[bytes | None] = field(default_factory=queue.SimpleQueue)
    writer: threading.Thread | None = None

    @classmethod
    def start(cls) -> Worker:
        """A new checking process, and the thread that writes to it."""
        worker = cls(subprocess.Popen(
            [sys.executable, "-m", "ledger.signing.check_worker"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL))
        worker.writer = threading.Thread(target=worker._write, name="signature-batches",
                                         daemon=True)
        worker.writer.start()
        return worker

    def _write(self) -> None:
        stdin = self._pipe(self.process.stdin)
        try:
            while (data := self.outbox.get()) is not None:
                stdin.write(data)
                stdin.flush()
        except (OSError, ValueError):
            pass  # the worker is gone: its answers never come, the caller checks those
        finally:
            with contextlib.suppress(OSError):
                stdin.close()

    def send(self, checks: Sequence[tuple[bytes, bytes, bytes]]) -> Batch:
        """Queue ``checks`` for the process; the batch their answer will come in."""
        batch = Batch(self)
        if self.broken:
            batch.failed = True
            return batch
        parts = [len(checks).to_bytes(4, "big")]
        for key, signature, payload in checks:
            parts += [key, signature, len(payload).to_bytes(4, "big"), payload]
        self.outbox.put(b"".join(parts))
        self.waiting.append((batch, len(checks)))
        return batch

    def read_until(self, wanted: Batch) -> None:
        """Read answers in order until ``wanted``'s is in (answers are never reordered)."""
        while self.waiting and wanted.answer is None and not wanted.failed:
            batch, count = self.waiting.popleft()
            answer = self._pipe(self.process.stdout).read(count) if count else b""
            if len(answer) != count:
                batch.failed = True
                self._break()
                return
            batch.answer = answer

    def stop(self) -> None:
        """End the process (its input closed, then killed if it lingers)."""
        self.outbox.put(None)
        if self.process.stdout is not None:
            self.process.stdout.close()  # a worker still answering stops at once
        if self.writer is not None:
            self.writer.join(STOP_S)
        try:
            self.process.wait(STOP_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def _break(self) -> None:
        self.broken = True
        for batch, _ in self.waiting:
            batch.failed = True
        self.waiting.clear()

    @staticmethod
    def _pipe(pipe: IO[bytes] | None) -> IO[bytes]:
        assert pipe is not None
        return pipe


class SignatureChecks:
    """Pages submitted for checking, and their events taken back one at a time, checked."""

    def __init__(self, mapper: SigningMapper) -> None:
        self.mapper = mapper
        self.workers = max(1, min(MAX_WORKERS, (os.cpu_count() or 2) - 1))
        self._started: list[Worker] = []
        # notification id -> the envelope and where its verdict will be, or the error opening it
        self._pending: OrderedDict[int, tuple[Envelope, Batch, int] | LedgerError]
        self._pending = OrderedDict()

    def submit(self, page: Sequence[Notification], backlog: int) -> None:
        """With ``backlog`` events still to read (this page's included) of at least
        :data:`PARALLEL_FROM`, or workers already started, open ``page``'s events and send
        their signatures to the workers; otherwise do nothing (:meth:`take` then says None).
        An event that cannot be opened, or names a key nobody trusts, keeps its error for
        :meth:`take`, so errors still surface in log order."""
        if backlog < PARALLEL_FROM and not self._started:
            return
        opened: list[tuple[int, Envelope]] = []
        checks: list[tuple[bytes, bytes, bytes]] = []
        for notification in page:
            if notification.id in self._pending:
                continue
            try:
                envelope = self.mapper.open(notification)
                key = self.mapper.key_of(envelope)
            except LedgerError as error:
                self._pending[notification.id] = error
                continue
            opened.append((notification.id, envelope))
            checks.append((key.raw, envelope.signature, envelope.payload))
        if not checks:
            return
        if not self._started:
            self._started = [Worker.start() for _ in range(self.workers)]
        share = -(-len(checks) // len(self._started))
        for worker, first in zip(self._started, range(0, len(checks), share), strict=False):
            batch = worker.send(checks[first:first + share])
            for index, (notification_id, envelope) in enumerate(opened[first:first + share]):
                self._pending[notification_id] = (envelope, batch, index)
        while len(self._pending) > MAX_PENDING:
            self._pending.popitem(last=False)

    def take(self, notification: Notification) -> Envelope | None:
        """The event's envelope once its signature is found valid (SignatureInvalid if not,
        or the error opening it); None when no worker checked it (the caller checks it)."""
        pending = self._pending.pop(notification.id, None)
        if pending is None:
            return None
        if isinstance(pending, LedgerError):
            raise pending
        envelope, batch, index = pending
        verdict = batch.verdict(index)
        if verdict is None:
            return None
        if not verdict:
            raise bad_signature(notification, self.mapper.key_of(envelope))
        return envelope

    def close(self) -> None:
        """Stop the workers (a later page starts others)."""
        for worker in self._started:
            worker.stop()
        self._started = []
        self._pending.clear()
