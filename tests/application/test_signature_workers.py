"""Signature checks in worker processes (:mod:`ledger.signing.batch`): the same rows, the same
refusals, in the same place, as checks in the caller; a worker that dies leaves its checks to
the caller. Every test lowers the backlog from which workers start, so a short history uses
them; on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import io
from uuid import UUID

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.errors import SignatureInvalid
from ledger.projections.runner import Database, Decoder, catch_up, read_position
from ledger.settings import Settings
from ledger.signing import batch
from ledger.signing.check_worker import serve
from ledger.signing.keys import raw_public
from ledger.usecases.unit import UnitOfWork
from tests.application.test_projections import History, project, rows, runners
from tests.support import tamper
from tests.support.clock import Clock


@pytest.fixture
def workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch, "PARALLEL_FROM", 0)


@pytest.fixture
def history(ledger: UnitOfWork, clock: Clock) -> UnitOfWork:
    History(ledger, clock, seed=11).run(120)
    return ledger


def caller_checked_rows(ledger: UnitOfWork, db: Database, monkeypatch: pytest.MonkeyPatch
                        ) -> dict[str, list[tuple[object, ...]]]:
    with monkeypatch.context() as patched:
        patched.setattr(batch, "PARALLEL_FROM", 10**12)
        for runner in runners(ledger, db):
            runner.rebuild()
        project(ledger, db, chunk_size=25)
    return rows(db)


def test_workers_give_the_rows_the_caller_gives(
    history: UnitOfWork, db: Database, workers: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    chosen = runners(history, db, chunk_size=25)  # many pages: each read ahead of the last
    started: list[batch.Worker] = []
    start = batch.Worker.start
    monkeypatch.setattr(batch.Worker, "start", classmethod(
        lambda cls: started.append(start()) or started[-1]))
    catch_up(chosen)
    chosen[0].decode.close()
    assert started, "no worker was started"
    assert all(w.process.returncode is not None for w in started)  # closed: none lingers
    with_workers = rows(db)
    assert with_workers == caller_checked_rows(history, db, monkeypatch)


def test_a_forged_signature_found_by_a_worker_stops_the_catch_up_where_the_caller_would(
    history: UnitOfWork, settings: Settings, db: Database, workers: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recorder = history.events.recorder
    head = history.events.head()
    victim = recorder.select_notifications(head // 2, 1)[0]
    payload = victim.state.rpartition(b"\n")[0]
    tamper.set_column(settings, UUID(str(victim.originator_id)), victim.originator_version,
                      "state", payload + b"\n" + base64.b64encode(bytes(64)))

    def stopped_at() -> tuple[str, list[int]]:
        fresh = UnitOfWork(settings, sign=False)
        try:
            chosen = runners(fresh, db, chunk_size=25)
            for runner in chosen:
                runner.rebuild()
            with pytest.raises(SignatureInvalid) as refused:
                catch_up(chosen)
            chosen[0].decode.close()
            return refused.value.message, [read_position(db, r.name) for r in chosen]
        finally:
            fresh.close()

    by_workers = stopped_at()
    monkeypatch.setattr(batch, "PARALLEL_FROM", 10**12)
    assert by_workers == stopped_at()
    assert "does not verify" in by_workers[0]
    assert all(position < victim.id for position in by_workers[1])


def test_a_worker_that_dies_leaves_its_checks_to_the_caller(
    history: UnitOfWork, db: Database, workers: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    send = batch.Worker.send

    def send_then_die(self: batch.Worker, checks: object) -> batch.Batch:
        sent = send(self, checks)  # type: ignore[arg-type]
        self.process.kill()
        self.process.wait()
        return sent

    monkeypatch.setattr(batch.Worker, "send", send_then_die)
    decoder = Decoder(history.events)
    page = history.events.recorder.select_notifications(1, 50)
    decoder.ahead(page, backlog=len(page))
    assert [decoder(n).event.originator_id for n in page] == [n.originator_id for n in page]
    decoder.close()


def test_the_worker_answers_one_byte_per_signature() -> None:
    key = Ed25519PrivateKey.generate()
    public = raw_public(key.public_key())
    good = (b"payload one", key.sign(b"payload one"))
    bad = (b"payload two", key.sign(b"payload 2"))
    request = io.BytesIO()
    for batch_of in ([good, bad], [], [bad, good, good]):
        request.write(len(batch_of).to_bytes(4, "big"))
        for payload, signature in batch_of:
            request.write(public + signature + len(payload).to_bytes(4, "big") + payload)
    answers = io.BytesIO()
    serve(io.BytesIO(request.getvalue()), answers)
    assert answers.getvalue() == bytes([1, 0, 0, 1, 1])
    truncated = io.BytesIO()
    serve(io.BytesIO(request.getvalue()[:-5]), truncated)  # cut inside the last batch
    assert truncated.getvalue() == bytes([1, 0])
