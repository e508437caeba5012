"""A retirement: credits used up on behalf of a beneficiary. Final: never edited, never undone.

Its one ``Recorded`` event is what a retirement proof carries, signed, to the buyer.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event


class Retirement(Aggregate):
    @event("Recorded")
    def __init__(
        self,
        id: UUID,
        batch: str,
        source: str,
        vintage: int,
        holder: str,
        buyer: str,
        beneficiary: str,
        reason: str,
        claim_period: str,
        quantity: int,
        blocks: list[list[int]],
        idempotency_key: str | None,
        labels: list[str] | None = None,
        replaces: str | None = None,
        unit: str = "t",
    ) -> None:
        self.batch = batch
        self.source = source
        self.vintage = vintage
        self.holder = holder
        self.buyer = buyer
        self.beneficiary = beneficiary
        self.reason = reason
        self.claim_period = claim_period
        self.quantity = quantity
        self.blocks = blocks
        self.idempotency_key = idempotency_key
        # The labels the batch carried at that moment (absent from events recorded before
        # labels existed).
        self.labels = labels or []
        # The retirement this one replaces after a reversal of its batch, if any.
        self.replaces = replaces
        self.unit = unit  # of quantity and blocks: the batch's ("t" when not recorded)
