"""A reservation: a hold on exact blocks for one buyer, until it ends exactly once."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.errors import ReservationEnded
from ledger.serials import SerialRange

OPEN = "open"


class Reservation(Aggregate):
    @event("Opened")
    def __init__(
        self,
        id: UUID,
        buyer: str,
        quantity: int,
        blocks: list[dict[str, Any]],
        expires_at: datetime,
        request: dict[str, Any],
        unit: str = "t",
    ) -> None:
        self.buyer = buyer
        self.quantity = quantity
        self.blocks = blocks
        self.expires_at = expires_at
        self.request = request
        self.unit = unit  # of quantity and blocks: the batch's ("t" when not recorded)
        self.status = OPEN
        self.ended_at: datetime | None = None

    def by_batch(self) -> dict[str, list[SerialRange]]:
        """The reserved blocks, grouped by batch reference, in the order they were taken."""
        grouped: dict[str, list[SerialRange]] = {}
        for b in self.blocks:
            grouped.setdefault(b["batch"], []).append(SerialRange(b["first"], b["last"]))
        return grouped

    def is_due(self, now: datetime) -> bool:
        return self.status == OPEN and now >= self.expires_at

    def require_open(self) -> None:
        if self.status != OPEN:
            raise ReservationEnded(
                f"reservation {self.id}: expected an open reservation, found it {self.status}"
            )

    def settle(self, now: datetime) -> None:
        self.require_open()
        self._settled(now)

    def release(self, now: datetime) -> None:
        self.require_open()
        self._released(now)

    def expire(self, now: datetime) -> None:
        self.require_open()
        self._expired(now)

    @event("Settled")
    def _settled(self, at: datetime) -> None:
        self.status, self.ended_at = "settled", at

    @event("Released")
    def _released(self, at: datetime) -> None:
        self.status, self.ended_at = "released", at

    @event("Expired")
    def _expired(self, at: datetime) -> None:
        self.status, self.ended_at = "expired", at
