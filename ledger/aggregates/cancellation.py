"""A cancellation: credits taken out of circulation without a claim. Terminal, never edited.

Registries cancel for compliance (an airline's CORSIA offsetting), to correct an over-issuance,
when credits move to another registry, or into a buffer. Unlike a retirement it names no
beneficiary and backs no claim; like one, it names the exact serials and is signed.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

KINDS = ("compliance", "correction", "registry-transfer", "buffer", "other")
"""What a cancellation is for (``--type``); the order the help lists them in."""


class Cancellation(Aggregate):
    @event("Recorded")
    def __init__(
        self,
        id: UUID,
        batch: str,
        source: str,
        vintage: int,
        holder: str,
        kind: str,
        reason: str,
        details: str,
        quantity: int,
        blocks: list[list[int]],
        idempotency_key: str | None,
        labels: list[str] | None = None,
        unit: str = "t",
    ) -> None:
        self.batch = batch
        self.source = source
        self.vintage = vintage
        self.holder = holder
        self.kind = kind
        self.reason = reason
        self.details = details
        self.quantity = quantity
        self.blocks = blocks
        self.idempotency_key = idempotency_key
        # The labels the batch carried at that moment (absent from events recorded before
        # labels existed).
        self.labels = labels or []
        self.unit = unit  # of quantity and blocks: the batch's ("t" when not recorded)
