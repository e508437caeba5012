"""Labels, on SQLite and PostgreSQL through the same tests: applied at mint and by events, with
evidence and history; required by operations; recorded, signed, in retirements and
cancellations; shown as they were by the audit's --as-of."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.errors import InsufficientCredits, InvalidArgument, LabelConflict, LabelMissing
from ledger.projections.runner import Database
from ledger.usecases import cancellations, holdings, labelling, minting, reads, reservations
from ledger.usecases.unit import UnitOfWork
from tests.application.test_audit import run
from tests.support.builders import event_count, issuance, open_buyers
from tests.support.clock import Clock

LEAF = "ART:ART102-2021-11"
DAC = "Puro:DAC-7"


@pytest.fixture
def minted(ledger: UnitOfWork) -> UnitOfWork:
    """The LEAF example (document labels CORSIA and CCP, adjustment committed), a DAC batch
    with no labels, and an eligible buyer holding 20 LEAF credits."""
    minting.mint(ledger, document=issuance(first=1, last=100))
    minting.mint(ledger, document=issuance("DAC", first=1, last=100, labels=[],
                                           corresponding_adjustment="unknown"))
    open_buyers(ledger, "acme")
    reservations.settle(ledger, reservation=reservations.reserve(
        ledger, buyer="acme", quantity=20, batch=LEAF).reservation)
    return ledger


class TestApplyAndRevoke:
    def test_mint_applies_the_labels_its_document_states_and_keeps_the_rest_in_it(
        self, minted: UnitOfWork
    ) -> None:
        batch = reads.show_batch(minted, batch=LEAF)
        issued = batch.document["issued_on"]
        assert batch.labels == {"ca:committed": issued, "ccp": issued}
        assert batch.document["labels"] == ["CORSIA", "CCP"]  # no phase: no CORSIA label
        assert [h["evidence"] for h in batch.label_history] == [
            "issuance document ART102-2021-11"] * 2
        assert reads.show_batch(minted, batch=DAC).labels == {}

    def test_a_label_applied_then_revoked_keeps_both_changes_in_its_history(
        self, minted: UnitOfWork, clock: Clock
    ) -> None:
        applied = labelling.apply_label(minted, batch=LEAF, label="corsia:first-phase",
                                        evidence="host country LoA", effective=date(2024, 5, 1))
        assert applied.labels == ["ca:committed", "ccp", "corsia:first-phase"]
        revoked = labelling.revoke_label(minted, batch=LEAF, label="corsia:first-phase",
                                         evidence="authorisation withdrawn")
        assert revoked.effective == clock().date().isoformat()
        batch = reads.show_batch(minted, batch=LEAF)
        assert "corsia:first-phase" not in batch.labels
        assert [(h["label"], h["change"], h["effective"]) for h in batch.label_history[2:]] == [
            ("corsia:first-phase", "applied", "2024-05-01"),
            ("corsia:first-phase", "revoked", clock().date().isoformat())]

    @pytest.mark.parametrize(("change", "label", "error"), [
        ("apply", "ccp", LabelConflict),  # carried already
        ("apply", "ca:completed", LabelConflict),  # one corresponding-adjustment status
        ("revoke", "article6:authorized", LabelConflict),  # not carried
        ("apply", "corsia", InvalidArgument),  # not in the vocabulary
    ])
    def test_a_change_the_rules_refuse_writes_nothing(
        self, minted: UnitOfWork, change: str, label: str, error: type[Exception]
    ) -> None:
        act = labelling.apply_label if change == "apply" else labelling.revoke_label
        before = event_count(minted)
        with pytest.raises(error):
            act(minted, batch=LEAF, label=label, evidence="e")
        with pytest.raises(InvalidArgument):
            act(minted, batch=LEAF, label="article6:authorized", evidence=" ")
        assert event_count(minted) == before

    def test_a_status_moves_by_revoking_one_and_applying_the_next(
        self, minted: UnitOfWork
    ) -> None:
        labelling.revoke_label(minted, batch=LEAF, label="ca:committed", evidence="LoA")
        labelling.apply_label(minted, batch=LEAF, label="ca:completed", evidence="BTR 2026")
        assert set(reads.show_batch(minted, batch=LEAF).labels) == {"ca:completed", "ccp"}


class TestRequire:
    def test_each_operation_refuses_a_batch_without_a_required_label_and_writes_nothing(
        self, minted: UnitOfWork
    ) -> None:
        before = event_count(minted)
        for attempt in (
            lambda: reservations.reserve(minted, buyer="acme", quantity=1, batch=LEAF,
                                         require=["ccp", "corsia:first-phase"]),
            lambda: holdings.retire(minted, holder="acme", batch=LEAF, quantity=1,
                                    beneficiary="Acme", reason="r", claim_period="2025",
                                    require=["article6:authorized"]),
            lambda: cancellations.cancel(minted, holder="acme", batch=LEAF, quantity=1,
                                         kind="compliance", reason="CORSIA",
                                         require=["corsia:first-phase"]),
        ):
            with pytest.raises(LabelMissing, match=r"expected the label (corsia|article6)"):
                attempt()
        with pytest.raises(InvalidArgument, match="--require"):
            holdings.retire(minted, holder="acme", batch=LEAF, quantity=1, beneficiary="Acme",
                            reason="r", claim_period="2025", require=["gold"])
        assert event_count(minted) == before

    def test_a_reservation_by_source_takes_only_batches_carrying_the_labels(
        self, minted: UnitOfWork
    ) -> None:
        view = reservations.reserve(minted, buyer="acme", quantity=30, require=["ccp"])
        assert {b.batch for b in view.blocks} == {LEAF}
        with pytest.raises(InsufficientCredits, match=r"with labels ccp: expected 51 .* found 50"):
            reservations.reserve(minted, buyer="acme", quantity=51, require=["ccp"])
        labelling.apply_label(minted, batch=DAC, label="ccp", evidence="CCP-approved")
        more = reservations.reserve(minted, buyer="acme", quantity=51, require=["ccp"])
        assert {b.batch for b in more.blocks} == {LEAF, DAC}


class TestRecorded:
    def test_retirements_and_cancellations_keep_the_labels_of_their_moment(
        self, minted: UnitOfWork
    ) -> None:
        labelling.apply_label(minted, batch=LEAF, label="corsia:first-phase", evidence="LoA")
        cancelled = cancellations.cancel(minted, holder="acme", batch=LEAF, quantity=5,
                                         kind="compliance", reason="CORSIA",
                                         require=["corsia:first-phase"], idempotency_key="c")
        retired = holdings.retire(minted, holder="acme", batch=LEAF, quantity=5,
                                  beneficiary="Acme", reason="r", claim_period="2025",
                                  idempotency_key="r")
        labelling.revoke_label(minted, batch=LEAF, label="corsia:first-phase", evidence="x")
        expected = ["ca:committed", "ccp", "corsia:first-phase"]
        assert cancelled.labels == retired.labels == expected
        assert reads.show_retirement(minted, retirement="r").labels == expected
        assert reads.show_cancellation(minted, cancellation="c").labels == expected
        recorded = minted.events.recorder.select_events(minted.load_retirement("r").id)[0]
        assert b'"labels":["ca:committed","ccp","corsia:first-phase"]' in bytes(recorded.state)

    def test_the_audit_as_of_shows_labels_as_they_were(
        self, minted: UnitOfWork, db: Database
    ) -> None:
        labelling.apply_label(minted, batch=LEAF, label="article6:authorized", evidence="LoA")
        then = event_count(minted)
        labelling.revoke_label(minted, batch=LEAF, label="ccp", evidence="label withdrawn")
        past = run(minted, db, upto=then, allow_lag=True).as_of
        now = run(minted, db, upto=event_count(minted), allow_lag=True).as_of
        assert past is not None and now is not None
        assert set(past["labels"][LEAF]) == {"article6:authorized", "ca:committed", "ccp"}
        assert set(now["labels"][LEAF]) == {"article6:authorized", "ca:committed"}
        assert now["labels"][DAC] == {}
