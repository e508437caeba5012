"""A transfer: credits of one batch change holder. Completed transfers are never edited."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event


class Transfer(Aggregate):
    @event("Recorded")
    def __init__(
        self,
        id: UUID,
        batch: str,
        sender: str,
        recipient: str,
        quantity: int,
        blocks: list[list[int]],
        idempotency_key: str | None,
        unit: str = "t",
    ) -> None:
        self.batch = batch
        self.sender = sender
        self.recipient = recipient
        self.quantity = quantity
        self.blocks = blocks
        self.idempotency_key = idempotency_key
        self.unit = unit  # of quantity and blocks: the batch's ("t" when not recorded)
