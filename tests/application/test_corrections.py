"""Corrections and reversals, on SQLite and PostgreSQL through the same tests: amendments keep
both values; a reversal is recorded on its batch; a replacement retires other credits for the
same beneficiary, linked to the retirement it replaces, within what was reversed."""

from __future__ import annotations

import pytest

from ledger.errors import (
    IdempotencyConflict,
    InsufficientCredits,
    InvalidArgument,
    InvalidDocument,
)
from ledger.projections.runner import Database
from ledger.usecases import amendments, holdings, minting, reads, reservations, reversals
from ledger.usecases.unit import UnitOfWork
from tests.application.test_audit import project, run
from tests.support.builders import event_count, issuance, open_buyers

LEAF = "ART:ART102-2021-11"
DAC = "Puro:DAC-7"


@pytest.fixture
def retired(ledger: UnitOfWork) -> UnitOfWork:
    """acme retired 30 LEAF credits (key r-1) for Acme Corp; a DAC batch is in inventory."""
    minting.mint(ledger, document=issuance(first=1, last=100))
    minting.mint(ledger, document=issuance("DAC", first=1, last=50))
    open_buyers(ledger, "acme")
    reservations.settle(ledger, reservation=reservations.reserve(
        ledger, buyer="acme", quantity=40, batch=LEAF).reservation)
    holdings.retire(ledger, holder="acme", batch=LEAF, quantity=30, beneficiary="Acme Corp",
                    reason="FY2025", claim_period="2025", idempotency_key="r-1")
    return ledger


class TestAmend:
    def test_an_amendment_keeps_the_signed_document_and_both_values(
        self, retired: UnitOfWork
    ) -> None:
        view = amendments.amend(retired, batch=LEAF, field="project.name",
                                value="Costa Rica REDD+ (ART102)", evidence="ART notice")
        assert (view.old, view.new) == ("Jurisdictional REDD+ programme (synthetic example)",
                                        "Costa Rica REDD+ (ART102)")
        batch = reads.show_batch(retired, batch=LEAF)
        assert batch.document["project"]["name"] == "Costa Rica REDD+ (ART102)"
        assert batch.amendments == [{"field": "project.name", "from": view.old,
                                     "to": view.new, "evidence": "ART notice"}]
        assert reads.minted_document(retired, batch=LEAF)["project"]["name"] == view.old
        amendments.amend(retired, batch=LEAF, field="project.name", value="CR REDD+",
                         evidence="second notice")
        assert [a["to"] for a in reads.show_batch(retired, batch=LEAF).amendments] == [
            "Costa Rica REDD+ (ART102)", "CR REDD+"]

    @pytest.mark.parametrize(("field", "value", "error"), [
        ("vintage", "2022", InvalidArgument),  # identifies the batch
        ("serial_last", "99", InvalidArgument),
        ("project.nowhere", "x", InvalidArgument),
        ("project", "x", InvalidArgument),  # an object, not a value
        ("verification.report_date", "2024-02-30", InvalidDocument),
        ("methodology", "TREES", InvalidArgument),  # the value it has
    ])
    def test_an_amendment_the_document_would_not_accept_writes_nothing(
        self, retired: UnitOfWork, field: str, value: str, error: type[Exception]
    ) -> None:
        before = event_count(retired)
        with pytest.raises(error):
            amendments.amend(retired, batch=LEAF, field=field, value=value, evidence="e")
        assert event_count(retired) == before


class TestReversals:
    def test_a_replacement_needs_a_reported_reversal_and_stays_within_it(
        self, retired: UnitOfWork
    ) -> None:
        with pytest.raises(InsufficientCredits, match="0 reported reversed"):
            reversals.replace(retired, retirement="r-1", from_batch=DAC, quantity=5)
        reported = reversals.record_reversal(retired, batch=LEAF, quantity=12,
                                             evidence="fire, registry report")
        assert (reported.reversed, reported.replaced) == (12, 0)
        replacement = reversals.replace(retired, retirement="r-1", from_batch=DAC,
                                        quantity=10, idempotency_key="rep-1")
        original = reads.show_retirement(retired, retirement="r-1")
        assert replacement.replaces == original.retirement
        assert (replacement.beneficiary, replacement.buyer, replacement.holder) == (
            "Acme Corp", "acme", "operator")
        assert [(b.batch, b.first, b.last) for b in replacement.blocks] == [(DAC, 1, 10)]
        assert original.quantity == 30 and original.replaces is None  # the original stays
        with pytest.raises(InsufficientCredits, match="found 2"):
            reversals.replace(retired, retirement="r-1", from_batch=DAC, quantity=3)
        batch = reads.show_batch(retired, batch=LEAF)
        assert (batch.reversed, batch.replaced) == (12, 10)
        again = reversals.replace(retired, retirement="r-1", from_batch=DAC, quantity=10,
                                  idempotency_key="rep-1")
        assert again == replacement
        with pytest.raises(IdempotencyConflict):
            reversals.replace(retired, retirement="r-1", from_batch=DAC, quantity=9,
                              idempotency_key="rep-1")

    def test_no_more_is_replaced_than_the_retirement_retired(self, retired: UnitOfWork) -> None:
        reversals.record_reversal(retired, batch=LEAF, quantity=100, evidence="total loss")
        reversals.replace(retired, retirement="r-1", from_batch=DAC, quantity=30)
        before = event_count(retired)
        with pytest.raises(InsufficientCredits, match="at most 0 more"):
            reversals.replace(retired, retirement="r-1", from_batch=DAC, quantity=1)
        with pytest.raises(InsufficientCredits, match="reversals of at most the 100 minted"):
            reversals.record_reversal(retired, batch=LEAF, quantity=1, evidence="more")
        assert event_count(retired) == before

    def test_both_retirements_are_the_buyers_and_supply_and_audit_agree(
        self, retired: UnitOfWork, db: Database
    ) -> None:
        reversals.record_reversal(retired, batch=LEAF, quantity=5, evidence="fire")
        reversals.replace(retired, retirement="r-1", from_batch=DAC, quantity=5)
        listed = reads.retired(retired, buyer="acme").retirements
        assert sorted(r["quantity"] for r in listed) == [5, 30]
        rows = {r["batch"]: r for r in reads.supply_by(retired).rows}
        assert (rows[LEAF]["reversed"], rows[LEAF]["buffer"]) == (5, 5)  # the builder's 1/20
        assert (rows[DAC]["retired"], rows[DAC]["reversed"]) == (5, 0)
        project(retired, db)
        report = run(retired, db)
        assert not [p for p in report.problems if p.kind != "projection_behind"], \
            report.summary()
