"""Reservation: a hold on exact blocks for one buyer, open until it ends exactly once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from ledger.aggregates.reservation import OPEN, Reservation
from ledger.errors import ReservationEnded
from ledger.serials import SerialRange

EXPIRES = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
BEFORE = EXPIRES - timedelta(minutes=5)
ENDINGS = {"settle": "settled", "release": "released", "expire": "expired"}


def block(batch: str, first: int, last: int) -> dict[str, Any]:
    return {"batch": batch, "first": first, "last": last}


def new_reservation(blocks: list[dict[str, Any]] | None = None) -> Reservation:
    return Reservation(
        id=uuid4(),
        buyer="acme",
        quantity=10,
        blocks=blocks if blocks is not None else [block("ART:X", 1, 10)],
        expires_at=EXPIRES,
        request={"buyer": "acme", "quantity": 10},
    )


def end(reservation: Reservation, how: str) -> Callable[[datetime], None]:
    ending: Callable[[datetime], None] = getattr(reservation, how)
    return ending


def test_a_new_reservation_is_open_with_its_request_recorded() -> None:
    reservation = new_reservation()
    assert reservation.status == OPEN
    assert reservation.ended_at is None
    assert (reservation.buyer, reservation.quantity) == ("acme", 10)
    assert reservation.request == {"buyer": "acme", "quantity": 10}
    [opened] = reservation.collect_events()
    assert type(opened).__name__ == "Opened"


@pytest.mark.parametrize(("how", "status"), ENDINGS.items())
def test_ending_a_reservation_records_how_and_when(how: str, status: str) -> None:
    reservation = new_reservation()
    reservation.collect_events()
    end(reservation, how)(BEFORE)
    assert reservation.status == status
    assert reservation.ended_at == BEFORE
    [ended] = reservation.collect_events()
    assert type(ended).__name__ == status.capitalize()
    assert ended.at == BEFORE


@pytest.mark.parametrize("second", ENDINGS)
@pytest.mark.parametrize("first", ENDINGS)
def test_a_reservation_ends_exactly_once(first: str, second: str) -> None:
    reservation = new_reservation()
    end(reservation, first)(BEFORE)
    reservation.collect_events()
    with pytest.raises(ReservationEnded, match=f"found it {ENDINGS[first]}"):
        end(reservation, second)(EXPIRES)
    assert reservation.collect_events() == []
    assert (reservation.status, reservation.ended_at) == (ENDINGS[first], BEFORE)


def test_require_open_passes_only_while_open() -> None:
    reservation = new_reservation()
    reservation.require_open()
    reservation.settle(BEFORE)
    with pytest.raises(ReservationEnded):
        reservation.require_open()


def test_an_open_reservation_is_due_from_its_expiry_on() -> None:
    reservation = new_reservation()
    assert not reservation.is_due(EXPIRES - timedelta(microseconds=1))
    assert reservation.is_due(EXPIRES)
    assert reservation.is_due(EXPIRES + timedelta(days=1))


@pytest.mark.parametrize("how", ENDINGS)
def test_an_ended_reservation_is_never_due(how: str) -> None:
    reservation = new_reservation()
    end(reservation, how)(BEFORE)
    assert not reservation.is_due(EXPIRES + timedelta(days=1))


def test_by_batch_groups_blocks_by_batch_in_the_order_they_were_taken() -> None:
    reservation = new_reservation(
        [block("ART:B", 50, 59), block("ART:A", 1, 3), block("ART:B", 70, 71)]
    )
    grouped = reservation.by_batch()
    assert list(grouped) == ["ART:B", "ART:A"]
    assert grouped == {
        "ART:B": [SerialRange(50, 59), SerialRange(70, 71)],
        "ART:A": [SerialRange(1, 3)],
    }


def test_a_reservation_without_blocks_has_no_batches() -> None:
    assert new_reservation([]).by_batch() == {}


def test_replaying_the_events_rebuilds_the_ended_reservation() -> None:
    reservation = new_reservation()
    reservation.expire(EXPIRES)
    opened, expired = reservation.collect_events()
    replayed = expired.mutate(opened.mutate(None))
    assert replayed == reservation
    assert replayed is not None and replayed.status == "expired"
