"""Signatures of a large save made in worker processes while the caller builds its payloads.

A bulk import's chunk saves a thousand or more events at once; signing them in the caller is
about a quarter of the import's time. Instead the caller builds each event's canonical
payload (and its hash link: the link is to the previous payload's digest, not to its
signature) and sends them, a part at a time, to signing workers
(:mod:`ledger.signing.sign_worker`), which sign part k while the caller builds part k+1. The
signatures come back in order and are sealed with their payloads before anything is written.

Nothing is weakened: every event is still signed before its transaction begins, by the key in
force (a worker is started with the signer's key and replaced when the signer changes), and
Ed25519 is deterministic, so the stored bytes are the ones the caller would have made. A
worker that fails or dies only means the caller signs those payloads itself. The key reaches a
worker on its stdin, never on its command line or in its environment. Small saves (a single
operation's two events) are signed in the caller: a worker's round trip costs more.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from ledger.signing.batch import MAX_WORKERS, Batch, Worker
from ledger.signing.keys import Signer

SIGN_APART_FROM = 200
"""Events in one save from which their signatures are made by workers."""
PART = 128
"""Payloads sent to a worker at once."""
SIGNATURE = 64


class SigningWorkers:
    """Worker processes that sign for one signer, started on first use."""

    def __init__(self) -> None:
        self.count = max(1, min(MAX_WORKERS, (os.cpu_count() or 2) - 1))
        self._workers: list[Worker] = []
        self._key_id: str | None = None

    def sign_all(self, signer: Signer, payloads: Iterable[bytes]) -> list[bytes]:
        """The signature of each payload, in order: ``payloads`` is consumed a part at a time,
        each part sent to a worker as soon as it is complete."""
        workers = self._for(signer)
        sent: list[tuple[Batch, list[bytes]]] = []
        part: list[bytes] = []
        for payload in payloads:
            part.append(payload)
            if len(part) == PART:
                sent.append(self._send(workers[len(sent) % len(workers)], part))
                part = []
        if part:
            sent.append(self._send(workers[len(sent) % len(workers)], part))
        signatures: list[bytes] = []
        for batch, batch_payloads in sent:
            answer = batch.answers()
            if answer is None:  # the worker failed: sign these here
                signatures += [signer.sign(p) for p in batch_payloads]
                continue
            signatures += [answer[i:i + SIGNATURE] for i in range(0, len(answer), SIGNATURE)]
        return signatures

    def close(self) -> None:
        """Stop the workers (the next large save starts others)."""
        for worker in self._workers:
            worker.stop()
        self._workers = []
        self._key_id = None

    def _for(self, signer: Signer) -> list[Worker]:
        if self._key_id != signer.key_id or any(w.broken for w in self._workers):
            self.close()
            secret = signer.worker_secret()
            self._workers = [Worker.start("ledger.signing.sign_worker",
                                          answer_size=SIGNATURE, first=secret)
                             for _ in range(self.count)]
            self._key_id = signer.key_id
        return self._workers

    @staticmethod
    def _send(worker: Worker, part: list[bytes]) -> tuple[Batch, list[bytes]]:
        data = [len(part).to_bytes(4, "big")]
        for payload in part:
            data += [len(payload).to_bytes(4, "big"), payload]
        return worker.send_encoded(b"".join(data), len(part)), part
