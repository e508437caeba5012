"""The catalogue: every minted batch, in mint order, for reads across batches."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.aggregates.snapshot import LedgerSnapshot


class Catalogue(Aggregate):
    Snapshot = LedgerSnapshot

    @event("Opened")
    def __init__(self, id: UUID) -> None:
        self.batches: list[str] = []
        self.sources: dict[str, str] = {}

    def references(self, source: str | None = None) -> list[str]:
        return [r for r in self.batches if source is None or self.sources[r] == source]

    @event("BatchListed")
    def list_batch(self, reference: str, source: str) -> None:
        self.batches.append(reference)
        self.sources[reference] = source
