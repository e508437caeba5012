"""Cancellations and withdrawals, on SQLite and PostgreSQL through the same tests: serial-exact,
terminal, counted everywhere the ledger counts credits."""

from __future__ import annotations

import pytest

from ledger.errors import (
    CancellationNotFound,
    IdempotencyConflict,
    InsufficientCredits,
    InvalidArgument,
    InvalidQuantity,
)
from ledger.projections.runner import Database
from ledger.usecases import cancellations, holdings, minting, projecting, reads, reservations
from ledger.usecases.unit import UnitOfWork
from tests.support.builders import event_count, issuance, open_buyers

LEAF = "ART:ART102-2021-11"


@pytest.fixture
def stocked(ledger: UnitOfWork) -> UnitOfWork:
    """100 credits: acme holds 1..30, 31..40 are reserved for globex, 41..100 are inventory."""
    minting.mint(ledger, document=issuance(first=1, last=100))
    open_buyers(ledger, "acme", "globex")
    reservations.settle(ledger, reservation=reservations.reserve(
        ledger, buyer="acme", quantity=30, batch=LEAF).reservation)
    reservations.reserve(ledger, buyer="globex", quantity=10, batch=LEAF)
    return ledger


def counts(ledger: UnitOfWork) -> tuple[int, ...]:
    b = reads.show_batch(ledger, batch=LEAF)
    assert b.minted == b.available + b.reserved + b.held + b.retired + b.cancelled
    return (b.available, b.reserved, b.held, b.retired, b.cancelled)


class TestCancel:
    def test_the_operator_cancels_the_lowest_unreserved_serials_of_its_inventory(
        self, stocked: UnitOfWork
    ) -> None:
        view = cancellations.cancel(
            stocked, holder="operator", batch=LEAF, quantity=15, kind="compliance",
            reason="CORSIA offsetting", details="Example Air, first phase")
        assert [(b.first, b.last) for b in view.blocks] == [(41, 55)]
        assert (view.type, view.quantity, view.details) == ("compliance", 15,
                                                            "Example Air, first phase")
        assert counts(stocked) == (45, 10, 30, 0, 15)
        line = reads.balance(stocked, holder="operator").batches[0]
        assert (line.available, line.reserved, line.cancelled) == (45, 10, 15)

    def test_a_holder_cancels_what_it_holds(self, stocked: UnitOfWork) -> None:
        view = cancellations.cancel(stocked, holder="acme", batch=LEAF, quantity=12,
                                    kind="registry-transfer", reason="moved to another registry")
        assert [(b.first, b.last) for b in view.blocks] == [(1, 12)]
        assert counts(stocked) == (60, 10, 18, 0, 12)
        line = reads.balance(stocked, holder="acme").batches[0]
        assert (line.available, line.retired, line.cancelled) == (18, 0, 12)
        supply = reads.supply_by(stocked).rows[0]
        assert (supply["held"], supply["cancelled"]) == (18, 12)

    def test_cancelled_credits_never_move_again(self, stocked: UnitOfWork) -> None:
        cancellations.cancel(stocked, holder="acme", batch=LEAF, quantity=30, kind="other",
                             reason="r")
        for attempt in (
            lambda: holdings.transfer(stocked, sender="acme", recipient="globex", batch=LEAF,
                                      quantity=1),
            lambda: holdings.retire(stocked, holder="acme", batch=LEAF, quantity=1,
                                    beneficiary="Acme", reason="claim", claim_period="2025"),
            lambda: cancellations.cancel(stocked, holder="acme", batch=LEAF, quantity=1,
                                         kind="other", reason="again"),
        ):
            with pytest.raises(InsufficientCredits):
                attempt()
        again = reservations.reserve(stocked, buyer="acme", quantity=60, batch=LEAF)
        assert [(b.first, b.last) for b in again.blocks] == [(41, 100)]

    def test_reserved_credits_cannot_be_cancelled(self, stocked: UnitOfWork) -> None:
        before = event_count(stocked)
        with pytest.raises(InsufficientCredits, match="found 60"):
            cancellations.cancel(stocked, holder="operator", batch=LEAF, quantity=61,
                                 kind="correction", reason="r")
        assert event_count(stocked) == before

    @pytest.mark.parametrize(("change", "error"), [
        ({"kind": "retirement"}, InvalidArgument),
        ({"reason": "  "}, InvalidArgument),
        ({"reason": "x" * 501}, InvalidArgument),
        ({"details": "a\x1b[2Jb"}, InvalidArgument),
        ({"quantity": 0}, InvalidQuantity),
    ])
    def test_bad_input_is_refused_and_nothing_is_written(
        self, stocked: UnitOfWork, change: dict[str, object], error: type[Exception]
    ) -> None:
        asked: dict[str, object] = {"holder": "operator", "batch": LEAF, "quantity": 1,
                                    "kind": "other", "reason": "r", **change}
        before = event_count(stocked)
        with pytest.raises(error):
            cancellations.cancel(stocked, **asked)  # type: ignore[arg-type]
        assert event_count(stocked) == before

    def test_the_same_key_returns_the_first_cancellation_and_another_request_is_refused(
        self, stocked: UnitOfWork
    ) -> None:
        first = cancellations.cancel(stocked, holder="acme", batch=LEAF, quantity=5,
                                     kind="other", reason="r", idempotency_key="c-1")
        again = cancellations.cancel(stocked, holder="acme", batch=LEAF, quantity=5,
                                     kind="other", reason="r", idempotency_key="c-1")
        assert again == first
        assert counts(stocked)[4] == 5
        with pytest.raises(IdempotencyConflict):
            cancellations.cancel(stocked, holder="acme", batch=LEAF, quantity=6, kind="other",
                                 reason="r", idempotency_key="c-1")

    def test_a_cancellation_is_shown_by_id_or_key(self, stocked: UnitOfWork) -> None:
        made = cancellations.cancel(stocked, holder="acme", batch=LEAF, quantity=5,
                                    kind="buffer", reason="r", idempotency_key="c-2")
        assert reads.show_cancellation(stocked, cancellation=made.cancellation) == made
        assert reads.show_cancellation(stocked, cancellation="c-2") == made
        with pytest.raises(CancellationNotFound):
            reads.show_cancellation(stocked, cancellation="c-3")


class TestWithdraw:
    def test_a_withdrawal_takes_only_unsold_unreserved_credits_as_a_correction(
        self, stocked: UnitOfWork
    ) -> None:
        view = cancellations.withdraw(stocked, batch=LEAF, quantity=60,
                                      reason="over-issuance corrected by the registry")
        assert (view.type, view.holder) == ("correction", "operator")
        assert [(b.first, b.last) for b in view.blocks] == [(41, 100)]
        assert counts(stocked) == (0, 10, 30, 0, 60)
        with pytest.raises(InsufficientCredits):
            cancellations.withdraw(stocked, batch=LEAF, quantity=1, reason="more")


class TestProjectionsAgree:
    def test_rebuilt_projections_equal_the_ones_caught_up_event_by_event(
        self, stocked: UnitOfWork
    ) -> None:
        cancellations.cancel(stocked, holder="acme", batch=LEAF, quantity=3, kind="other",
                             reason="r")
        cancellations.withdraw(stocked, batch=LEAF, quantity=4, reason="r")
        before = (reads.all_balances(stocked), reads.supply_by(stocked))
        projecting.project(stocked, rebuild=True)
        assert (reads.all_balances(stocked), reads.supply_by(stocked)) == before

    def test_tables_an_earlier_version_built_are_rebuilt_not_read_short_of_a_column(
        self, stocked: UnitOfWork, db: Database
    ) -> None:
        cancellations.cancel(stocked, holder="acme", batch=LEAF, quantity=3, kind="other",
                             reason="r")
        expected = reads.supply_by(stocked)
        # The supply table as the code before cancellations built it, marked as caught up.
        with db.locked("supply") as tx:
            tx.execute("DROP TABLE supply")
            tx.execute("DELETE FROM projection_schemas WHERE name = 'supply'")
            tx.execute(
                "CREATE TABLE supply (batch_id TEXT PRIMARY KEY, batch TEXT NOT NULL UNIQUE, "
                "source TEXT NOT NULL, vintage INTEGER NOT NULL, operator TEXT NOT NULL, "
                "position BIGINT NOT NULL, minted BIGINT NOT NULL, available BIGINT NOT NULL, "
                "reserved BIGINT NOT NULL, held BIGINT NOT NULL, retired BIGINT NOT NULL)")
        fresh = UnitOfWork(stocked.settings)
        try:
            assert reads.supply_by(fresh) == expected
        finally:
            fresh.close()
