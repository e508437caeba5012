"""Signatures of a large save made by worker processes (:mod:`ledger.signing.signing_workers`):
the same bytes the caller would sign, a worker that dies leaves its payloads to the caller, the
key reaches a worker on its stdin only; an import through them stores events every check
accepts, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.signing import signing_workers
from ledger.signing.envelope import open_envelope
from ledger.signing.keys import Signer
from ledger.signing.sign_worker import serve
from ledger.store import events
from ledger.usecases import importing, reads
from ledger.usecases.unit import UnitOfWork
from tests.application.test_import import lines, story

LEAF = "ART:ART102-2021-11"


def payloads(count: int) -> list[bytes]:
    return [f'{{"n":{n},"pad":"{"x" * (n % 700)}"}}'.encode() for n in range(count)]


def test_workers_sign_exactly_what_the_caller_signs() -> None:
    signer = Signer("op", Ed25519PrivateKey.generate())
    workers = signing_workers.SigningWorkers()
    try:
        wanted = payloads(3 * signing_workers.PART + 17)  # several parts, the last one short
        assert workers.sign_all(signer, iter(wanted)) == [signer.sign(p) for p in wanted]
        started = list(workers._workers)
        assert started and all(w.process.poll() is None for w in started)
    finally:
        workers.close()
    assert all(w.process.returncode is not None for w in started)  # closed: none lingers


def test_a_new_signer_gets_new_workers() -> None:
    first, second = (Signer(n, Ed25519PrivateKey.generate()) for n in ("old", "new"))
    workers = signing_workers.SigningWorkers()
    try:
        workers.sign_all(first, iter(payloads(5)))
        before = list(workers._workers)
        assert workers.sign_all(second, iter(payloads(5))) == [second.sign(p)
                                                                for p in payloads(5)]
        assert all(w.process.returncode is not None for w in before)
    finally:
        workers.close()


def test_a_signing_worker_that_dies_leaves_its_payloads_to_the_caller() -> None:
    signer = Signer("op", Ed25519PrivateKey.generate())
    workers = signing_workers.SigningWorkers()
    try:
        for worker in workers._for(signer):
            worker.process.kill()
            worker.process.wait()
        wanted = payloads(2 * signing_workers.PART)
        assert workers.sign_all(signer, iter(wanted)) == [signer.sign(p) for p in wanted]
        assert workers.sign_all(signer, iter(wanted[:3])) == [signer.sign(p)
                                                               for p in wanted[:3]]
    finally:
        workers.close()


def test_the_key_reaches_a_signing_worker_on_its_stdin_only() -> None:
    signer = Signer("op", Ed25519PrivateKey.generate())
    secret = signer.worker_secret()
    workers = signing_workers.SigningWorkers()
    try:
        workers.sign_all(signer, iter(payloads(1)))
        for worker in workers._for(signer):
            proc = Path(f"/proc/{worker.process.pid}")
            for shown in (proc / "cmdline", proc / "environ"):
                seen = shown.read_bytes()
                assert secret not in seen and secret.hex().encode() not in seen
                assert secret[:32].hex().encode() not in seen
    finally:
        workers.close()


def test_the_worker_answers_one_signature_per_payload() -> None:
    signer = Signer("op", Ed25519PrivateKey.generate())
    wanted = payloads(3)
    request = signer.worker_secret() + len(wanted).to_bytes(4, "big") + b"".join(
        len(p).to_bytes(4, "big") + p for p in wanted)
    answers = io.BytesIO()
    serve(io.BytesIO(request + b"\x00\x00"), answers)  # a cut-off header ends it quietly
    assert answers.getvalue() == b"".join(signer.sign(p) for p in wanted)


def test_an_import_signed_by_workers_stores_events_every_check_accepts(
    ledger: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(events, "SIGN_APART_FROM", 10)
    extra = [{"op": "reserve", "buyer": "b0", "quantity": 1, "batch": LEAF,
              "idempotency_key": f"more-{i}"} for i in range(40)]
    report = importing.import_operations(ledger, lines=story(buyers=6) + lines(*extra))
    assert report.transactions == 1
    store = ledger.events
    assert store.events.workers._workers, "no signing worker was started"
    signer = ledger.keyring.require_signer()
    stored = store.recorder.select_notifications(start=1, limit=10_000)
    assert len(stored) > 10
    for notification in stored:
        envelope = store.signing.verify(notification)  # signature, binding, window, link
        assert signer.sign(envelope.payload) == envelope.signature
        assert open_envelope(notification.state) == envelope
    assert reads.show_batch(ledger, batch=LEAF).reserved == 40
