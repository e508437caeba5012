"""Every use case and every refusal, on SQLite and PostgreSQL through the same tests."""

from __future__ import annotations

from datetime import timedelta

import pytest

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
from ledger.usecases import accounts, holdings, minting, reads, reservations
from ledger.usecases.unit import UnitOfWork
from tests.support.builders import event_count, issuance, open_buyers
from tests.support.clock import Clock

LEAF = "ART:ART102-2021-11"


class TestMint:
    def test_minting_puts_every_serial_in_the_operator_inventory(self, ledger: UnitOfWork) -> None:
        minted = minting.mint(ledger, document=issuance(first=101, last=600))
        assert (minted.batch, minted.quantity) == (LEAF, 500)
        batch = reads.show_batch(ledger, batch=LEAF)
        assert (batch.minted, batch.available, batch.held, batch.retired) == (500, 500, 0, 0)
        assert batch.document["jurisdiction"] == "CR"

    def test_minting_the_same_issuance_twice_raises_already_minted(
        self, ledger: UnitOfWork) -> None:
        minting.mint(ledger, document=issuance())
        before = event_count(ledger)
        with pytest.raises(AlreadyMinted):
            minting.mint(ledger, document=issuance())
        assert event_count(ledger) == before

    def test_overlapping_serials_in_the_same_scope_raise_serial_overlap(
        self, ledger: UnitOfWork
    ) -> None:
        minting.mint(ledger, document=issuance("DAC", "ISO-A", first=1, last=100))
        before = event_count(ledger)
        with pytest.raises(SerialOverlap, match="51-100"):
            minting.mint(ledger, document=issuance("DAC", "ISO-B", first=51, last=150))
        assert event_count(ledger) == before

    def test_adjacent_serials_in_the_same_scope_are_accepted(self, ledger: UnitOfWork) -> None:
        minting.mint(ledger, document=issuance("DAC", "ISO-A", first=1, last=100))
        minted = minting.mint(ledger, document=issuance("DAC", "ISO-B", first=101, last=150))
        assert minted.quantity == 50

    def test_unknown_batch_raises_batch_not_found(self, ledger: UnitOfWork) -> None:
        with pytest.raises(BatchNotFound):
            reads.show_batch(ledger, batch="ART:nope")


class TestAccounts:
    def test_a_buyer_with_scope_1_2_and_3_targets_is_eligible(self, ledger: UnitOfWork) -> None:
        view = accounts.open_account(ledger, handle="acme", name="Acme", role="buyer",
                                     climate_pledge=False, scope_targets=[1, 2, 3])
        assert view.eligibility.startswith("eligible")

    def test_a_buyer_with_only_scope_1_and_2_targets_is_not_eligible(
        self, ledger: UnitOfWork
    ) -> None:
        minting.mint(ledger, document=issuance())
        accounts.open_account(ledger, handle="acme", name="Acme", role="buyer",
                              climate_pledge=False, scope_targets=[1, 2])
        with pytest.raises(BuyerNotEligible):
            reservations.reserve(ledger, buyer="acme", quantity=10, batch=LEAF)

    def test_updated_eligibility_evidence_is_an_event_that_admits_the_buyer(
        self, ledger: UnitOfWork
    ) -> None:
        minting.mint(ledger, document=issuance())
        accounts.open_account(ledger, handle="acme", name="Acme", role="buyer",
                              climate_pledge=False, scope_targets=[])
        accounts.update_eligibility(ledger, handle="acme", climate_pledge=True, scope_targets=[])
        assert reservations.reserve(ledger, buyer="acme", quantity=10, batch=LEAF).quantity == 10

    def test_opening_a_taken_handle_raises_account_exists(self, ledger: UnitOfWork) -> None:
        open_buyers(ledger, "acme")
        with pytest.raises(AccountExists):
            open_buyers(ledger, "acme")

    def test_a_malformed_handle_is_refused(self, ledger: UnitOfWork) -> None:
        with pytest.raises(InvalidArgument):
            accounts.open_account(ledger, handle="Not A Handle", name="x", role="buyer",
                                  climate_pledge=True, scope_targets=[])

    def test_unknown_buyer_raises_account_not_found(self, ledger: UnitOfWork) -> None:
        minting.mint(ledger, document=issuance())
        with pytest.raises(AccountNotFound):
            reservations.reserve(ledger, buyer="ghost", quantity=1, batch=LEAF)


class TestReservations:
    def test_reserving_holds_the_lowest_serials(self, ledger: UnitOfWork) -> None:
        minting.mint(ledger, document=issuance(first=11, last=1010))
        open_buyers(ledger, "acme")
        view = reservations.reserve(ledger, buyer="acme", quantity=25, batch=LEAF)
        assert [(b.first, b.last) for b in view.blocks] == [(11, 35)]
        assert reads.show_batch(ledger, batch=LEAF).reserved == 25

    def test_reserving_without_a_batch_spans_batches_in_mint_order(
        self, ledger: UnitOfWork) -> None:
        minting.mint(ledger, document=issuance("DAC", "ISO-A", first=1, last=10))
        minting.mint(ledger, document=issuance("DAC", "ISO-B", first=11, last=30))
        open_buyers(ledger, "acme")
        view = reservations.reserve(ledger, buyer="acme", quantity=15, source="DAC")
        assert [(b.batch, b.first, b.last) for b in view.blocks] == [
            ("Puro:ISO-A", 1, 10),
            ("Puro:ISO-B", 11, 15),
        ]

    def test_reserving_more_than_available_raises_insufficient_credits(
        self, ledger: UnitOfWork
    ) -> None:
        minting.mint(ledger, document=issuance(first=1, last=10))
        open_buyers(ledger, "acme")
        before = event_count(ledger)
        with pytest.raises(InsufficientCredits):
            reservations.reserve(ledger, buyer="acme", quantity=11, batch=LEAF)
        assert event_count(ledger) == before

    @pytest.mark.parametrize("quantity", [0, -5])
    def test_zero_or_negative_quantities_raise_invalid_quantity(
        self, ledger: UnitOfWork, quantity: int
    ) -> None:
        with pytest.raises(InvalidQuantity):
            reservations.reserve(ledger, buyer="acme", quantity=quantity, batch=LEAF)

    def test_settling_moves_the_reserved_blocks_to_the_buyer(self, ledger: UnitOfWork) -> None:
        minting.mint(ledger, document=issuance(first=1, last=100))
        open_buyers(ledger, "acme")
        view = reservations.reserve(ledger, buyer="acme", quantity=40, batch=LEAF)
        assert reservations.settle(ledger, reservation=view.reservation).status == "settled"
        before = event_count(ledger)
        assert reservations.settle(ledger, reservation=view.reservation).status == "settled"
        assert event_count(ledger) == before
        with pytest.raises(ReservationEnded):
            reservations.release(ledger, reservation=view.reservation)
        batch = reads.show_batch(ledger, batch=LEAF)
        assert (batch.available, batch.reserved, batch.held) == (60, 0, 40)
        assert batch.holders == {"acme": 40}

    def test_releasing_returns_the_credits_and_a_released_reservation_cannot_settle(
        self, ledger: UnitOfWork
    ) -> None:
        minting.mint(ledger, document=issuance(first=1, last=100))
        open_buyers(ledger, "acme")
        view = reservations.reserve(ledger, buyer="acme", quantity=40, batch=LEAF)
        reservations.release(ledger, reservation=view.reservation)
        assert reads.show_batch(ledger, batch=LEAF).available == 100
        with pytest.raises(ReservationEnded):
            reservations.settle(ledger, reservation=view.reservation)

    def test_settling_an_expired_reservation_records_the_expiry_and_raises(
        self, ledger: UnitOfWork, clock: Clock
    ) -> None:
        minting.mint(ledger, document=issuance(first=1, last=100))
        open_buyers(ledger, "acme")
        view = reservations.reserve(ledger, buyer="acme", quantity=40, batch=LEAF,
                                    expires_in=timedelta(hours=1))
        clock.advance(timedelta(hours=2))
        with pytest.raises(ReservationExpired):
            reservations.settle(ledger, reservation=view.reservation)
        assert reads.show_reservation(ledger, reservation=view.reservation).status == "expired"
        assert reads.show_batch(ledger, batch=LEAF).available == 100
        with pytest.raises(ReservationEnded):
            reservations.settle(ledger, reservation=view.reservation)

    def test_the_expiry_sweep_ends_only_reservations_past_their_expiry(
        self, ledger: UnitOfWork, clock: Clock
    ) -> None:
        minting.mint(ledger, document=issuance(first=1, last=100))
        open_buyers(ledger, "acme")
        short = reservations.reserve(ledger, buyer="acme", quantity=10, batch=LEAF,
                                     expires_in=timedelta(minutes=5))
        long = reservations.reserve(ledger, buyer="acme", quantity=10, batch=LEAF,
                                    expires_in=timedelta(days=5))
        clock.advance(timedelta(hours=1))
        assert [v.reservation for v in reservations.expire_due(ledger)] == [short.reservation]
        assert reads.show_reservation(ledger, reservation=long.reservation).status == "open"
        assert reservations.expire_due(ledger) == []

    def test_the_same_idempotency_key_returns_the_first_result_and_writes_nothing(
        self, ledger: UnitOfWork
    ) -> None:
        minting.mint(ledger, document=issuance())
        open_buyers(ledger, "acme")
        first = reservations.reserve(ledger, buyer="acme", quantity=10, batch=LEAF,
                                     idempotency_key="po-1")
        before = event_count(ledger)
        again = reservations.reserve(ledger, buyer="acme", quantity=10, batch=LEAF,
                                     idempotency_key="po-1")
        assert again == first
        assert event_count(ledger) == before
        assert reads.show_reservation(ledger, reservation="po-1").reservation == first.reservation

    def test_the_same_idempotency_key_with_other_parameters_raises_a_conflict(
        self, ledger: UnitOfWork
    ) -> None:
        minting.mint(ledger, document=issuance())
        open_buyers(ledger, "acme")
        reservations.reserve(ledger, buyer="acme", quantity=10, batch=LEAF, idempotency_key="po-1")
        with pytest.raises(IdempotencyConflict):
            reservations.reserve(ledger, buyer="acme", quantity=11, batch=LEAF,
                                 idempotency_key="po-1")

    def test_unknown_reservation_raises_reservation_not_found(self, ledger: UnitOfWork) -> None:
        with pytest.raises(ReservationNotFound):
            reservations.settle(ledger, reservation="00000000-0000-0000-0000-000000000000")


class TestTransfersAndRetirements:
    @pytest.fixture
    def held(self, ledger: UnitOfWork) -> UnitOfWork:
        minting.mint(ledger, document=issuance(first=1, last=100))
        open_buyers(ledger, "acme", "globex")
        reservations.settle(ledger, reservation=reservations.reserve(
            ledger, buyer="acme", quantity=60, batch=LEAF).reservation)
        return ledger

    def test_a_transfer_moves_the_lowest_held_serials(self, held: UnitOfWork) -> None:
        view = holdings.transfer(held, sender="acme", recipient="globex", batch=LEAF, quantity=15)
        assert [(b.first, b.last) for b in view.blocks] == [(1, 15)]
        assert reads.show_batch(held, batch=LEAF).holders == {"acme": 45, "globex": 15}

    def test_transferring_to_an_ineligible_buyer_raises_buyer_not_eligible(
        self, held: UnitOfWork
    ) -> None:
        accounts.open_account(held, handle="initech", name="Initech", role="buyer",
                              climate_pledge=False, scope_targets=[1])
        with pytest.raises(BuyerNotEligible):
            holdings.transfer(held, sender="acme", recipient="initech", batch=LEAF, quantity=1)

    def test_retiring_records_beneficiary_and_blocks(self, held: UnitOfWork) -> None:
        view = holdings.retire(held, holder="acme", batch=LEAF, quantity=20,
                               beneficiary="Acme Corp", reason="2025 claim", claim_period="2025")
        assert [(b.first, b.last) for b in view.blocks] == [(1, 20)]
        assert (view.buyer, view.beneficiary, view.claim_period) == ("acme", "Acme Corp", "2025")
        batch = reads.show_batch(held, batch=LEAF)
        assert (batch.held, batch.retired) == (40, 20)
        balance = reads.balance(held, holder="acme").batches[0]
        assert (balance.available, balance.retired) == (40, 20)

    def test_retiring_more_than_held_raises_insufficient_credits(self, held: UnitOfWork) -> None:
        with pytest.raises(InsufficientCredits):
            holdings.retire(held, holder="acme", batch=LEAF, quantity=61, beneficiary="Acme",
                            reason="claim", claim_period="2025")

    def test_retired_credits_never_move_again(self, held: UnitOfWork) -> None:
        holdings.retire(held, holder="acme", batch=LEAF, quantity=60, beneficiary="Acme",
                        reason="claim", claim_period="2025")
        with pytest.raises(InsufficientCredits):
            holdings.transfer(held, sender="acme", recipient="globex", batch=LEAF, quantity=1)

    def test_the_operator_retires_from_inventory_only_on_behalf_of_an_eligible_buyer(
        self, held: UnitOfWork
    ) -> None:
        with pytest.raises(InvalidArgument):
            holdings.retire(held, holder="operator", batch=LEAF, quantity=5, beneficiary="Acme",
                            reason="claim", claim_period="2025")
        view = holdings.retire(held, holder="operator", batch=LEAF, quantity=5, beneficiary="Acme",
                               reason="claim", claim_period="2025", on_behalf_of="acme")
        assert (view.holder, view.buyer) == ("operator", "acme")
        accounts.open_account(held, handle="initech", name="Initech", role="buyer",
                              climate_pledge=False, scope_targets=[])
        with pytest.raises(BuyerNotEligible):
            holdings.retire(held, holder="operator", batch=LEAF, quantity=5, beneficiary="X",
                            reason="claim", claim_period="2025", on_behalf_of="initech")

    def test_a_retirement_with_the_same_key_is_returned_not_repeated(
        self, held: UnitOfWork) -> None:
        first = holdings.retire(held, holder="acme", batch=LEAF, quantity=5, beneficiary="Acme",
                                reason="claim", claim_period="2025", idempotency_key="r-1")
        again = holdings.retire(held, holder="acme", batch=LEAF, quantity=5, beneficiary="Acme",
                                reason="claim", claim_period="2025", idempotency_key="r-1")
        assert again == first
        assert reads.show_batch(held, batch=LEAF).retired == 5
        with pytest.raises(IdempotencyConflict):
            holdings.retire(held, holder="acme", batch=LEAF, quantity=6, beneficiary="Acme",
                            reason="claim", claim_period="2025", idempotency_key="r-1")

    def test_a_malformed_claim_period_is_refused(self, held: UnitOfWork) -> None:
        with pytest.raises(InvalidArgument, match="claim-period"):
            holdings.retire(held, holder="acme", batch=LEAF, quantity=5, beneficiary="Acme",
                            reason="claim", claim_period="last year")
