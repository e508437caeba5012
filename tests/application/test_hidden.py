"""Hidden beneficiaries, on SQLite and PostgreSQL: the name is in no published byte before its
day; then a signed event reveals it, checkable against the commitment, and everything that
reads the retirement follows."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from ledger.errors import InvalidArgument, VerificationFailed
from ledger.projections import hidden as hidden_names
from ledger.projections.runner import Database
from ledger.settings import Settings
from ledger.transparency.bundle import bundle_json
from ledger.transparency.verify import verify_bundle
from ledger.usecases import (
    checkpoints,
    confirmations,
    holdings,
    minting,
    projecting,
    reads,
    reservations,
    tiles,
)
from ledger.usecases.unit import UnitOfWork
from tests.application.test_audit import project, run
from tests.support import tamper
from tests.support.builders import issuance, open_buyers
from tests.support.clock import Clock

LEAF = "ART:ART102-2021-11"
SECRET = "Zyxwvut Secret Holdings"


@pytest.fixture
def hidden(ledger: UnitOfWork, clock: Clock) -> UnitOfWork:
    minting.mint(ledger, document=issuance(first=1, last=100))
    open_buyers(ledger, "acme")
    reservations.settle(ledger, reservation=reservations.reserve(
        ledger, buyer="acme", quantity=40, batch=LEAF).reservation)
    holdings.retire(ledger, holder="acme", batch=LEAF, quantity=10, beneficiary=SECRET,
                    reason="FY2025", claim_period="2025", idempotency_key="h-1",
                    hidden_until=clock().date() + timedelta(days=30))
    return ledger


def every_published_byte(ledger: UnitOfWork, settings: Settings, where: Path) -> bytes:
    """The events table, the tiles written by `ledger publish`, and the retirement's proof."""
    with tamper.connect(settings) as (conn, table, _):
        stored = b"".join(bytes(row[0]) for row in conn.execute(f"SELECT state FROM {table}"))
    proof = bundle_json(checkpoints.prove_retirement(ledger, retirement="h-1"))  # signs one
    tiles.publish(ledger, directory=where)
    files = b"".join(p.read_bytes() for p in where.rglob("*") if p.is_file())
    return stored + files + proof


def test_the_hidden_name_is_in_no_published_byte_until_revealed(
    hidden: UnitOfWork, db: Database, tmp_path: Path, clock: Clock, settings: Settings
) -> None:
    view = reads.show_retirement(hidden, retirement="h-1")
    assert view.beneficiary.startswith("hidden until ") and view.hidden_until
    projecting.catch_up(hidden)
    published = every_published_byte(hidden, settings, tmp_path / "before")
    assert len(published) > 10_000
    assert SECRET.encode() not in published
    assert confirmations.reveal_due(hidden) == []  # not yet
    clock.advance(timedelta(days=31))
    revealed = confirmations.reveal_due(hidden)
    assert [r.beneficiary for r in revealed] == [SECRET]
    assert confirmations.reveal_due(hidden) == []  # once
    projecting.catch_up(hidden)
    assert reads.retired(hidden).retirements[0]["beneficiary"] == SECRET
    event = hidden.events.recorder.select_events(hidden.load_retirement("h-1").id)[-1]
    assert SECRET.encode() in bytes(event.state)  # now public, with its salt
    record = hidden.load_retirement("h-1")
    salt = hidden_names.due(db, clock().date().isoformat())[0][2]
    assert hidden_names.commitment(SECRET, salt) == record.beneficiary_commitment
    project(hidden, db)
    report = run(hidden, db, allow_lag=True)
    assert report.commitments_checked == 1
    assert not [p for p in report.problems if p.kind != "projection_behind"], report.summary()


@pytest.mark.parametrize("days", [0, -1, 367])
def test_a_day_not_within_the_next_12_months_is_refused(
    ledger: UnitOfWork, clock: Clock, days: int
) -> None:
    minting.mint(ledger, document=issuance(first=1, last=100))
    open_buyers(ledger, "acme")
    with pytest.raises(InvalidArgument, match="--beneficiary-hidden-until"):
        holdings.retire(ledger, holder="operator", batch=LEAF, quantity=1, beneficiary="X",
                        reason="r", claim_period="2025", on_behalf_of="acme",
                        hidden_until=clock().date() + timedelta(days=days))


def test_the_private_names_are_not_served(hidden: UnitOfWork, settings: Settings) -> None:
    from fastapi.testclient import TestClient

    from ledger.web.app import create_app

    projecting.catch_up(hidden)
    checkpoints.sign_head(hidden)
    with TestClient(create_app(settings, timeout_s=10)) as client:
        pages = [client.get("/").text, client.get("/api/v1/retirements").text]
        rid = reads.show_retirement(hidden, retirement="h-1").retirement
        pages += [client.get(f"/retirements/{rid}").text,
                  client.get(f"/api/v1/retirements/{rid}").text,
                  client.get(f"/api/v1/retirements/{rid}/proof").text]
    assert all(SECRET not in page for page in pages)
    assert "hidden until" in pages[2]


def test_the_proof_after_the_reveal_carries_the_revelation(
    hidden: UnitOfWork, clock: Clock
) -> None:
    clock.advance(timedelta(days=31))
    confirmations.reveal_due(hidden)
    proof = checkpoints.prove_retirement(hidden, retirement="h-1")
    trusted = list(hidden.keyring.trusted.values())
    verified = verify_bundle(bundle_json(proof), trusted)
    assert verified.summary.revealed_beneficiary == SECRET
    assert verified.summary.beneficiary.startswith("hidden until ")
    with pytest.raises(VerificationFailed) as raised:
        verify_bundle(bundle_json(proof.model_copy(update={"revelation": None})), trusted)
    assert raised.value.code == "summary_mismatch"
    assert hidden_names.commitment(SECRET, "00" * 16) != hidden.load_retirement(
        "h-1").beneficiary_commitment  # the salt matters


def test_project_reveals_what_is_due_when_asked(hidden: UnitOfWork, clock: Clock) -> None:
    clock.advance(timedelta(days=31))
    projecting.project(hidden, idle=lambda: confirmations.reveal_due(hidden))
    assert reads.retired(hidden, catch_up=False).retirements[0]["beneficiary"] == SECRET
