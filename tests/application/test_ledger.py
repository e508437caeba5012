"""Every use case and every refusal, on SQLite and PostgreSQL through the same tests."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ledger.app import Ledger
from ledger.errors import (
    AccountExists,
    AccountNotFound,
    AlreadyMinted,
    BatchNotFound,
    BuyerNotEligible,
    IdempotencyConflict,
    InsufficientCredits,
    InvalidArgument,
    InvalidQuantity,
    ReservationEnded,
    ReservationExpired,
    ReservationNotFound,
    SerialOverlap,
)
from tests.conftest import Clock
from tests.support import issuance, open_buyers

LEAF = "ART:ART102-2021-11"


def event_count(ledger: Ledger) -> int:
    return ledger.recorder.max_notification_id() or 0


class TestMint:
    def test_minting_puts_every_serial_in_the_operator_inventory(self, ledger: Ledger) -> None:
        minted = ledger.mint(issuance(first=101, last=600))
        assert (minted.batch, minted.quantity) == (LEAF, 500)
        batch = ledger.show_batch(LEAF)
        assert (batch.minted, batch.available, batch.held, batch.retired) == (500, 500, 0, 0)
        assert batch.document["jurisdiction"] == "CR"

    def test_minting_the_same_issuance_twice_raises_already_minted(self, ledger: Ledger) -> None:
        ledger.mint(issuance())
        before = event_count(ledger)
        with pytest.raises(AlreadyMinted):
            ledger.mint(issuance())
        assert event_count(ledger) == before

    def test_overlapping_serials_in_the_same_scope_raise_serial_overlap(
        self, ledger: Ledger
    ) -> None:
        ledger.mint(issuance("DAC", "ISO-A", first=1, last=100))
        before = event_count(ledger)
        with pytest.raises(SerialOverlap, match="51-100"):
            ledger.mint(issuance("DAC", "ISO-B", first=51, last=150))
        assert event_count(ledger) == before

    def test_adjacent_serials_in_the_same_scope_are_accepted(self, ledger: Ledger) -> None:
        ledger.mint(issuance("DAC", "ISO-A", first=1, last=100))
        assert ledger.mint(issuance("DAC", "ISO-B", first=101, last=150)).quantity == 50

    def test_unknown_batch_raises_batch_not_found(self, ledger: Ledger) -> None:
        with pytest.raises(BatchNotFound):
            ledger.show_batch("ART:nope")


class TestAccounts:
    def test_a_buyer_with_scope_1_2_and_3_targets_is_eligible(self, ledger: Ledger) -> None:
        view = ledger.open_account("acme", "Acme", "buyer", False, [1, 2, 3])
        assert view.eligibility.startswith("eligible")

    def test_a_buyer_with_only_scope_1_and_2_targets_is_not_eligible(
        self, ledger: Ledger
    ) -> None:
        ledger.mint(issuance())
        ledger.open_account("acme", "Acme", "buyer", False, [1, 2])
        with pytest.raises(BuyerNotEligible):
            ledger.reserve("acme", 10, batch=LEAF)

    def test_updated_eligibility_evidence_is_an_event_that_admits_the_buyer(
        self, ledger: Ledger
    ) -> None:
        ledger.mint(issuance())
        ledger.open_account("acme", "Acme", "buyer", False, [])
        ledger.update_eligibility("acme", True, [])
        assert ledger.reserve("acme", 10, batch=LEAF).quantity == 10

    def test_opening_a_taken_handle_raises_account_exists(self, ledger: Ledger) -> None:
        open_buyers(ledger, "acme")
        with pytest.raises(AccountExists):
            open_buyers(ledger, "acme")

    def test_a_malformed_handle_is_refused(self, ledger: Ledger) -> None:
        with pytest.raises(InvalidArgument):
            ledger.open_account("Not A Handle", "x", "buyer", True, [])

    def test_unknown_buyer_raises_account_not_found(self, ledger: Ledger) -> None:
        ledger.mint(issuance())
        with pytest.raises(AccountNotFound):
            ledger.reserve("ghost", 1, batch=LEAF)


class TestReservations:
    def test_reserving_holds_the_lowest_serials(self, ledger: Ledger) -> None:
        ledger.mint(issuance(first=11, last=1010))
        open_buyers(ledger, "acme")
        view = ledger.reserve("acme", 25, batch=LEAF)
        assert [(b.first, b.last) for b in view.blocks] == [(11, 35)]
        assert ledger.show_batch(LEAF).reserved == 25

    def test_reserving_without_a_batch_spans_batches_in_mint_order(self, ledger: Ledger) -> None:
        ledger.mint(issuance("DAC", "ISO-A", first=1, last=10))
        ledger.mint(issuance("DAC", "ISO-B", first=11, last=30))
        open_buyers(ledger, "acme")
        view = ledger.reserve("acme", 15, source="DAC")
        assert [(b.batch, b.first, b.last) for b in view.blocks] == [
            ("Puro:ISO-A", 1, 10),
            ("Puro:ISO-B", 11, 15),
        ]

    def test_reserving_more_than_available_raises_insufficient_credits(
        self, ledger: Ledger
    ) -> None:
        ledger.mint(issuance(first=1, last=10))
        open_buyers(ledger, "acme")
        before = event_count(ledger)
        with pytest.raises(InsufficientCredits):
            ledger.reserve("acme", 11, batch=LEAF)
        assert event_count(ledger) == before

    @pytest.mark.parametrize("quantity", [0, -5])
    def test_zero_or_negative_quantities_raise_invalid_quantity(
        self, ledger: Ledger, quantity: int
    ) -> None:
        with pytest.raises(InvalidQuantity):
            ledger.reserve("acme", quantity, batch=LEAF)

    def test_settling_moves_the_reserved_blocks_to_the_buyer(self, ledger: Ledger) -> None:
        ledger.mint(issuance(first=1, last=100))
        open_buyers(ledger, "acme")
        view = ledger.reserve("acme", 40, batch=LEAF)
        assert ledger.settle(view.reservation).status == "settled"
        before = event_count(ledger)
        assert ledger.settle(view.reservation).status == "settled"
        assert event_count(ledger) == before
        with pytest.raises(ReservationEnded):
            ledger.release(view.reservation)
        batch = ledger.show_batch(LEAF)
        assert (batch.available, batch.reserved, batch.held) == (60, 0, 40)
        assert batch.holders == {"acme": 40}

    def test_releasing_returns_the_credits_and_a_released_reservation_cannot_settle(
        self, ledger: Ledger
    ) -> None:
        ledger.mint(issuance(first=1, last=100))
        open_buyers(ledger, "acme")
        view = ledger.reserve("acme", 40, batch=LEAF)
        ledger.release(view.reservation)
        assert ledger.show_batch(LEAF).available == 100
        with pytest.raises(ReservationEnded):
            ledger.settle(view.reservation)

    def test_settling_an_expired_reservation_records_the_expiry_and_raises(
        self, ledger: Ledger, clock: Clock
    ) -> None:
        ledger.mint(issuance(first=1, last=100))
        open_buyers(ledger, "acme")
        view = ledger.reserve("acme", 40, batch=LEAF, expires_in=timedelta(hours=1))
        clock.advance(timedelta(hours=2))
        with pytest.raises(ReservationExpired):
            ledger.settle(view.reservation)
        assert ledger.show_reservation(view.reservation).status == "expired"
        assert ledger.show_batch(LEAF).available == 100
        with pytest.raises(ReservationEnded):
            ledger.settle(view.reservation)

    def test_the_expiry_sweep_ends_only_reservations_past_their_expiry(
        self, ledger: Ledger, clock: Clock
    ) -> None:
        ledger.mint(issuance(first=1, last=100))
        open_buyers(ledger, "acme")
        short = ledger.reserve("acme", 10, batch=LEAF, expires_in=timedelta(minutes=5))
        long = ledger.reserve("acme", 10, batch=LEAF, expires_in=timedelta(days=5))
        clock.advance(timedelta(hours=1))
        assert [v.reservation for v in ledger.expire_due()] == [short.reservation]
        assert ledger.show_reservation(long.reservation).status == "open"
        assert ledger.expire_due() == []

    def test_the_same_idempotency_key_returns_the_first_result_and_writes_nothing(
        self, ledger: Ledger
    ) -> None:
        ledger.mint(issuance())
        open_buyers(ledger, "acme")
        first = ledger.reserve("acme", 10, batch=LEAF, idempotency_key="po-1")
        before = event_count(ledger)
        again = ledger.reserve("acme", 10, batch=LEAF, idempotency_key="po-1")
        assert again == first
        assert event_count(ledger) == before
        assert ledger.show_reservation("po-1").reservation == first.reservation

    def test_the_same_idempotency_key_with_other_parameters_raises_a_conflict(
        self, ledger: Ledger
    ) -> None:
        ledger.mint(issuance())
        open_buyers(ledger, "acme")
        ledger.reserve("acme", 10, batch=LEAF, idempotency_key="po-1")
        with pytest.raises(IdempotencyConflict):
            ledger.reserve("acme", 11, batch=LEAF, idempotency_key="po-1")

    def test_unknown_reservation_raises_reservation_not_found(self, ledger: Ledger) -> None:
        with pytest.raises(ReservationNotFound):
            ledger.settle("00000000-0000-0000-0000-000000000000")


class TestTransfersAndRetirements:
    @pytest.fixture
    def held(self, ledger: Ledger) -> Ledger:
        ledger.mint(issuance(first=1, last=100))
        open_buyers(ledger, "acme", "globex")
        ledger.settle(ledger.reserve("acme", 60, batch=LEAF).reservation)
        return ledger

    def test_a_transfer_moves_the_lowest_held_serials(self, held: Ledger) -> None:
        view = held.transfer_credits("acme", "globex", LEAF, 15)
        assert [(b.first, b.last) for b in view.blocks] == [(1, 15)]
        assert held.show_batch(LEAF).holders == {"acme": 45, "globex": 15}

    def test_transferring_to_an_ineligible_buyer_raises_buyer_not_eligible(
        self, held: Ledger
    ) -> None:
        held.open_account("initech", "Initech", "buyer", False, [1])
        with pytest.raises(BuyerNotEligible):
            held.transfer_credits("acme", "initech", LEAF, 1)

    def test_retiring_records_beneficiary_and_blocks(self, held: Ledger) -> None:
        view = held.retire("acme", LEAF, 20, "Acme Corp", "2025 claim", "2025")
        assert [(b.first, b.last) for b in view.blocks] == [(1, 20)]
        assert (view.buyer, view.beneficiary, view.claim_period) == ("acme", "Acme Corp", "2025")
        batch = held.show_batch(LEAF)
        assert (batch.held, batch.retired) == (40, 20)
        balance = held.balance("acme").batches[0]
        assert (balance.available, balance.retired) == (40, 20)

    def test_retiring_more_than_held_raises_insufficient_credits(self, held: Ledger) -> None:
        with pytest.raises(InsufficientCredits):
            held.retire("acme", LEAF, 61, "Acme", "claim", "2025")

    def test_retired_credits_never_move_again(self, held: Ledger) -> None:
        held.retire("acme", LEAF, 60, "Acme", "claim", "2025")
        with pytest.raises(InsufficientCredits):
            held.transfer_credits("acme", "globex", LEAF, 1)

    def test_the_operator_retires_from_inventory_only_on_behalf_of_an_eligible_buyer(
        self, held: Ledger
    ) -> None:
        with pytest.raises(InvalidArgument):
            held.retire("operator", LEAF, 5, "Acme", "claim", "2025")
        view = held.retire("operator", LEAF, 5, "Acme", "claim", "2025", on_behalf_of="acme")
        assert (view.holder, view.buyer) == ("operator", "acme")
        held.open_account("initech", "Initech", "buyer", False, [])
        with pytest.raises(BuyerNotEligible):
            held.retire("operator", LEAF, 5, "X", "claim", "2025", on_behalf_of="initech")

    def test_a_retirement_with_the_same_key_is_returned_not_repeated(self, held: Ledger) -> None:
        first = held.retire("acme", LEAF, 5, "Acme", "claim", "2025", idempotency_key="r-1")
        again = held.retire("acme", LEAF, 5, "Acme", "claim", "2025", idempotency_key="r-1")
        assert again == first
        assert held.show_batch(LEAF).retired == 5
        with pytest.raises(IdempotencyConflict):
            held.retire("acme", LEAF, 6, "Acme", "claim", "2025", idempotency_key="r-1")

    def test_a_malformed_claim_period_is_refused(self, held: Ledger) -> None:
        with pytest.raises(InvalidArgument, match="claim-period"):
            held.retire("acme", LEAF, 5, "Acme", "claim", "last year")
