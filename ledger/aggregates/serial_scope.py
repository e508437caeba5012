"""A serial scope: the numbering space in which a registry's serials are unique.

Each mint claims its range in its scope; two batches can never hold the same registry serial.
Optimistic concurrency on this aggregate makes two overlapping mints race safely.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.aggregates.snapshot import LedgerSnapshot
from ledger.serials import BlockSet, SerialRange


class SerialScope(Aggregate):
    Snapshot = LedgerSnapshot

    @event("Opened")
    def __init__(self, id: UUID, scope: str) -> None:
        self.scope = scope
        self.claimed = BlockSet()
        self.owners: dict[int, str] = {}

    @staticmethod
    def restore(state: dict[str, Any]) -> None:
        """Rebuild the claimed block set and integer keys after a snapshot was read back."""
        state["claimed"] = BlockSet.from_lists(state["claimed"])
        state["owners"] = {int(k): v for k, v in state["owners"].items()}

    def overlaps(self, serials: SerialRange) -> list[tuple[str, SerialRange]]:
        """Claimed serials that ``serials`` shares, one range per batch holding them (adjacent
        claims merge in ``claimed``, so each part is cut where another claim starts)."""
        found = []
        for part in self.claimed.overlapping(serials):
            cuts = sorted(s for s in self.owners if part.first < s <= part.last)
            for first, end in zip([part.first, *cuts], [*cuts, part.last + 1], strict=True):
                found.append((self.owner_of(first), SerialRange(first, end - 1)))
        return found

    def owner_of(self, serial: int) -> str:
        starts = [s for s in self.owners if s <= serial]
        return self.owners[max(starts)] if starts else "?"

    @event("Claimed")
    def claim(self, batch: str, first: int, last: int) -> None:
        self.claimed.add(SerialRange(first, last))
        self.owners[first] = batch
