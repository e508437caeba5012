"""Kilogram batches, on SQLite and PostgreSQL through the same tests: Isometric's credits are
kilograms; every quantity is an integer in its batch's unit, every output names the unit, and
no figure adds tonnes to kilograms."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from ledger.errors import InsufficientCredits, InvalidArgument
from ledger.quantities import Tonnes
from ledger.settings import Settings
from ledger.transparency.bundle import bundle_json
from ledger.transparency.verify import verify_bundle
from ledger.usecases import checkpoints, holdings, minting, projecting, reads, reservations
from ledger.usecases.unit import UnitOfWork
from ledger.web.app import create_app
from tests.support.builders import isometric_issuance, issuance, open_buyers

LEAF = "ART:ART102-2021-11"
KG = "Isometric:BSTORE-78177"


@pytest.fixture
def both(ledger: UnitOfWork) -> UnitOfWork:
    """100 t of LEAF credits and 3,000 kg of Isometric DAC credits; an eligible buyer."""
    minting.mint(ledger, document=issuance(first=1, last=100))
    minted = minting.mint(ledger, document=isometric_issuance(78177, 81177))
    assert (minted.batch, minted.quantity, minted.unit) == (KG, 3000, "kg")
    open_buyers(ledger, "acme")
    return ledger


def test_a_kilogram_batch_counts_kilograms_everywhere(both: UnitOfWork) -> None:
    batch = reads.show_batch(both, batch=KG)
    assert (batch.unit, batch.minted, batch.serial_first, batch.serial_last) == (
        "kg", 3000, 78177, 81176)
    reserved = reservations.reserve(both, buyer="acme", quantity=1250, batch=KG)
    assert (reserved.unit, reserved.quantity) == ("kg", 1250)
    reservations.settle(both, reservation=reserved.reservation)
    retired = holdings.retire(both, holder="acme", batch=KG, quantity=250, beneficiary="Acme",
                              reason="removals", claim_period="2025", idempotency_key="r-kg")
    assert (retired.unit, [(b.first, b.last) for b in retired.blocks]) == (
        "kg", [(78177, 78426)])
    line = {b.batch: b for b in reads.balance(both, holder="acme").batches}[KG]
    assert (line.unit, line.available, line.retired) == ("kg", 1000, 250)
    rows = {r["batch"]: r for r in reads.supply_by(both).rows}
    assert (rows[KG]["unit"], rows[KG]["retired"], rows[LEAF]["unit"]) == ("kg", 250, "t")


def test_reserving_across_batches_never_adds_tonnes_to_kilograms(both: UnitOfWork) -> None:
    with pytest.raises(InsufficientCredits, match="expected 101 t available, found 100"):
        reservations.reserve(both, buyer="acme", quantity=101)
    kg = reservations.reserve(both, buyer="acme", quantity=2000, unit="kg")
    assert {b.batch for b in kg.blocks} == {KG} and kg.unit == "kg"
    with pytest.raises(InvalidArgument, match="--unit: expected the unit of batch"):
        reservations.reserve(both, buyer="acme", quantity=1, batch=LEAF, unit="kg")


def test_the_proof_of_a_kilogram_retirement_states_its_unit(both: UnitOfWork) -> None:
    reservations.settle(both, reservation=reservations.reserve(
        both, buyer="acme", quantity=500, batch=KG).reservation)
    holdings.retire(both, holder="acme", batch=KG, quantity=500, beneficiary="Acme",
                    reason="removals", claim_period="2025", idempotency_key="r-kg")
    bundle = checkpoints.prove_retirement(both, retirement="r-kg")
    assert (bundle.summary.unit, bundle.summary.quantity) == ("kg", 500)
    raw = bundle_json(bundle)
    assert json.loads(raw)["summary"]["unit"] == "kg"
    assert verify_bundle(raw, list(both.keyring.trusted.values())).summary.unit == "kg"


def test_the_public_page_of_a_kilogram_retirement_says_kilograms(
    both: UnitOfWork, settings: Settings
) -> None:
    holdings.retire(both, holder="operator", batch=KG, quantity=Tonnes("1.5"),
                    beneficiary="Acme", reason="removals", claim_period="2025",
                    on_behalf_of="acme", idempotency_key="r-kg")
    projecting.catch_up(both)
    checkpoints.sign_head(both)
    retirement = reads.show_retirement(both, retirement="r-kg").retirement
    with TestClient(create_app(settings, timeout_s=10)) as client:
        page = client.get(f"/retirements/{retirement}").text
        listed = client.get("/").text
    assert "1,500 kg retired for" in page and "1,500 kg of CO2e (1.500 t)" in page
    assert "<title>Retirement of 1,500 kg for Acme" in page
    assert "1,500 kg</td>" in listed
