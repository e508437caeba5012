"""Registry confirmation, on SQLite and PostgreSQL through the same tests: a retirement is
pending until confirmed with the registry's reference; a pending one the registry never made is
reverted, its credits back with the holder; the projections and the audit follow."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from ledger.errors import (
    IdempotencyConflict,
    InvalidArgument,
    RetirementNotPending,
    VerificationFailed,
)
from ledger.projections.runner import Database
from ledger.reconcile.store_side import StoreLedgerSide
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
)
from ledger.usecases.claim_data import Claim
from ledger.usecases.unit import UnitOfWork
from ledger.web.app import create_app
from tests.application.test_audit import project, run
from tests.support.builders import event_count, issuance, open_buyers

LEAF = "ART:ART102-2021-11"


@pytest.fixture
def retired(ledger: UnitOfWork) -> UnitOfWork:
    """acme retired 30 (key r-1) and 20 (key r-2) of the 60 LEAF credits it bought."""
    minting.mint(ledger, document=issuance(first=1, last=100))
    open_buyers(ledger, "acme")
    reservations.settle(ledger, reservation=reservations.reserve(
        ledger, buyer="acme", quantity=60, batch=LEAF).reservation)
    for key, quantity in (("r-1", 30), ("r-2", 20)):
        holdings.retire(ledger, holder="acme", batch=LEAF, quantity=quantity,
                        beneficiary="Acme Corp", reason="FY2025", claim_period="2025",
                        idempotency_key=key)
    return ledger


def test_a_retirement_is_pending_until_the_registry_reference_confirms_it(
    retired: UnitOfWork,
) -> None:
    assert reads.show_retirement(retired, retirement="r-1").status == "pending"
    when = datetime(2025, 7, 1, 9, 30, tzinfo=UTC)
    view = confirmations.confirm_retirement(
        retired, retirement="r-1", registry_ref="ART-RET-0042",
        registry_url="https://registry.example/retirements/42", confirmed_at=when)
    assert (view.status, view.registry_ref, view.confirmed_at) == (
        "confirmed", "ART-RET-0042", when.isoformat())
    before = event_count(retired)
    again = confirmations.confirm_retirement(retired, retirement="r-1",
                                             registry_ref="ART-RET-0042")
    assert again == view and event_count(retired) == before  # the same: nothing more
    with pytest.raises(RetirementNotPending, match="found it confirmed"):
        confirmations.confirm_retirement(retired, retirement="r-1", registry_ref="OTHER")
    with pytest.raises(RetirementNotPending):
        confirmations.revert_retirement(retired, retirement="r-1", reason="too late")
    with pytest.raises(InvalidArgument, match="https"):
        confirmations.confirm_retirement(retired, retirement="r-2", registry_ref="x",
                                         registry_url="javascript:alert(1)")
    assert event_count(retired) == before


def test_reverting_a_pending_retirement_gives_its_credits_back(retired: UnitOfWork) -> None:
    view = confirmations.revert_retirement(retired, retirement="r-2",
                                           reason="the registry never retired it")
    assert view.status == "reverted"
    batch = reads.show_batch(retired, batch=LEAF)
    assert (batch.held, batch.retired) == (30, 30)
    line = reads.balance(retired, holder="acme").batches[0]
    assert (line.available, line.retired) == (30, 30)
    again = holdings.retire(retired, holder="acme", batch=LEAF, quantity=30,
                            beneficiary="Acme Corp", reason="FY2025", claim_period="2025")
    assert [(b.first, b.last) for b in again.blocks] == [(31, 60)]  # the serials came back
    with pytest.raises(RetirementNotPending, match="found it reverted"):
        confirmations.confirm_retirement(retired, retirement="r-2", registry_ref="late")


def test_projections_audit_and_reconcile_follow_the_status(
    retired: UnitOfWork, db: Database
) -> None:
    confirmations.confirm_retirement(retired, retirement="r-1", registry_ref="ART-RET-0042")
    confirmations.revert_retirement(retired, retirement="r-2", reason="never made")
    rows = {r["quantity"]: r for r in reads.retired(retired, buyer="acme").retirements}
    assert (rows[30]["status"], rows[30]["registry_ref"]) == ("confirmed", "ART-RET-0042")
    assert rows[20]["status"] == "reverted"
    assert [t["quantity"] for t in reads.retired(retired).totals_by_year] == [30]
    before = (reads.all_balances(retired), reads.supply_by(retired),
              reads.retired(retired))
    projecting.project(retired, rebuild=True)
    assert (reads.all_balances(retired), reads.supply_by(retired),
            reads.retired(retired)) == before
    blocks = StoreLedgerSide(retired).batch(LEAF).blocks  # type: ignore[union-attr]
    # The reverted serials are active again for the registry comparison.
    assert [(b.first, b.last, b.state) for b in blocks] == [(1, 30, "retired"), (31, 100, "active")]
    project(retired, db)
    report = run(retired, db)
    assert not [p for p in report.problems if p.kind != "projection_behind"], report.summary()


def test_the_public_page_and_api_show_the_status(retired: UnitOfWork, settings: Settings) -> None:
    confirmations.confirm_retirement(retired, retirement="r-1", registry_ref="ART-RET-0042",
                                     registry_url="https://registry.example/r/42?a=1&b=2")
    projecting.catch_up(retired)
    ids = {k: reads.show_retirement(retired, retirement=k).retirement for k in ("r-1", "r-2")}
    with TestClient(create_app(settings, timeout_s=10)) as client:
        confirmed = client.get(f"/retirements/{ids['r-1']}").text
        pending = client.get(f"/retirements/{ids['r-2']}").text
        api = client.get(f"/api/v1/retirements/{ids['r-1']}").json()
    assert ('confirmed by the registry as <a href="https://registry.example/r/42?a=1&amp;b=2"'
            in confirmed)
    assert "pending: not yet confirmed by the registry" in pending
    assert (api["status"], api["registry_ref"]) == ("confirmed", "ART-RET-0042")


# --- claim data ------------------------------------------------------------------------------


def test_claim_data_is_signed_shown_and_in_the_proof(retired: UnitOfWork) -> None:
    claim = Claim("corporate_targets", "contribution", "deu", "2024-2025", "Scope 3, FY2025")
    view = holdings.retire(retired, holder="acme", batch=LEAF, quantity=5,
                           beneficiary="Acme Corp", reason="FY2025", claim_period="2025",
                           claim=claim, idempotency_key="r-3")
    assert view.claim == {"purpose": "corporate_targets", "claim_type": "contribution",
                          "consumption_country": "DEU", "consumption_period": "2024-2025",
                          "public_note": "Scope 3, FY2025"}
    projecting.catch_up(retired)
    checkpoints.sign_head(retired)
    bundle = checkpoints.prove_retirement(retired, retirement="r-3")
    assert (bundle.summary.purpose, bundle.summary.consumption_country) == (
        "corporate_targets", "DEU")
    row = next(r for r in reads.retired(retired).retirements if r["quantity"] == 5)
    assert (row["claim_type"], row["consumption_period"]) == ("contribution", "2024-2025")
    again = holdings.retire(retired, holder="acme", batch=LEAF, quantity=5,
                            beneficiary="Acme Corp", reason="FY2025", claim_period="2025",
                            claim=claim, idempotency_key="r-3")
    assert again == view
    with pytest.raises(IdempotencyConflict):
        holdings.retire(retired, holder="acme", batch=LEAF, quantity=5,
                        beneficiary="Acme Corp", reason="FY2025", claim_period="2025",
                        idempotency_key="r-3")


@pytest.mark.parametrize(("claim", "option"), [
    (Claim(purpose="greenwashing"), "--purpose"),
    (Claim(claim_type="offsetting"), "--claim-type"),
    (Claim(consumption_country="XX"), "--consumption-country"),
    (Claim(consumption_country="Deutschland"), "--consumption-country"),
    (Claim(consumption_period="2025-2024"), "--consumption-period"),
    (Claim(consumption_period="25"), "--consumption-period"),
    (Claim(public_note="x" * 257), "--public-note"),
])
def test_bad_claim_data_is_refused_and_nothing_is_written(
    retired: UnitOfWork, claim: Claim, option: str
) -> None:
    before = event_count(retired)
    with pytest.raises(InvalidArgument, match=option):
        holdings.retire(retired, holder="acme", batch=LEAF, quantity=1, beneficiary="Acme",
                        reason="r", claim_period="2025", claim=claim)
    assert event_count(retired) == before


# --- proofs follow the status ------------------------------------------------------------------


def test_the_proof_of_a_confirmed_retirement_carries_its_confirmation(
    retired: UnitOfWork,
) -> None:
    trusted = list(retired.keyring.trusted.values())
    pending = bundle_json(checkpoints.prove_retirement(retired, retirement="r-1"))
    assert not verify_bundle(pending, trusted).confirmed
    assert b'"confirmation"' not in pending and b'"registry_ref"' not in pending
    for key, ref in (("r-1", "ART-RET-1"), ("r-2", "ART-RET-2")):
        confirmations.confirm_retirement(retired, retirement=key, registry_ref=ref)
    proof = checkpoints.prove_retirement(retired, retirement="r-1")  # signs a newer head
    verified = verify_bundle(bundle_json(proof), trusted)
    assert verified.confirmed and verified.summary.registry_ref == "ART-RET-1"
    assert verify_bundle(pending, trusted).summary.registry_ref is None  # older proofs stand
    other = checkpoints.prove_retirement(retired, retirement="r-2")
    assert other.tree_size == proof.tree_size
    cases = {
        "another retirement's confirmation": (
            proof.model_copy(update={"confirmation": other.confirmation}),
            (6, "not_its_event")),
        "the registry reference edited": (
            proof.model_copy(update={"summary": proof.summary.model_copy(
                update={"registry_ref": "ART-RET-9"})}), (7, "summary_mismatch")),
        "the confirmation left out, its reference kept": (
            proof.model_copy(update={"confirmation": None}), (7, "summary_mismatch")),
        "a confirmation's leaf moved": (
            proof.model_copy(update={"confirmation": proof.confirmation.model_copy(  # type: ignore[union-attr]
                update={"leaf_index": proof.leaf_index})}), (4, "proof_invalid")),
    }
    for name, (changed, (check, code)) in cases.items():
        with pytest.raises(VerificationFailed) as raised:
            verify_bundle(bundle_json(changed), trusted)
        assert (raised.value.code, f"check {check} of 7" in raised.value.message) == (
            code, True), name
