"""Which ledger batch each part of the export speaks about.

A batch reference the ledger knows places its rows on that batch. A reference it does not know
(an Isometric issuance, say, whose credit batches the ledger minted under other references) is
placed by its serials: each claim goes to the ledger batches holding those serials, and only
serials no ledger batch holds are ``missing_in_ledger``.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field

from ledger.errors import InvalidExport
from ledger.reconcile.batch_compare import Claim, Tally
from ledger.reconcile.ledger_side import LedgerBatch, LedgerSide
from ledger.reconcile.ranges import count, subtract
from ledger.reconcile.records import RegistryRecord
from ledger.reconcile.report import Difference, Side


@dataclass
class ExportTallies:
    """Everything kept from one pass over the records: per batch reference, not per row."""

    batches: dict[str, Tally] = field(default_factory=dict)
    issued: dict[str, tuple[str, int]] = field(default_factory=dict)
    registries: set[str] = field(default_factory=set)
    listing_registries: set[str] = field(default_factory=set)
    retirement_registries: set[str] = field(default_factory=set)
    records_read: int = 0

    def add(self, record: RegistryRecord) -> None:
        """Fold one record in; issuance totals (no serials) are summed per reference."""
        self.records_read += 1
        self.registries.add(record.registry)
        if record.scope is None or record.first is None or record.last is None:
            registry, quantity = self.issued.get(record.batch_ref, (record.registry, 0))
            self.issued[record.batch_ref] = (registry, quantity + record.quantity)
            self.listing_registries.add(record.registry)
            return
        if record.lists_all_serials:
            self.listing_registries.add(record.registry)
        else:
            self.retirement_registries.add(record.registry)
        tally = self.batches.setdefault(record.batch_ref, Tally(record.registry, record.scope))
        if tally.scope != record.scope:
            raise InvalidExport(
                f"{record.source}: row {record.row}: expected batch {record.batch_ref} in scope"
                f" {tally.scope}, as on earlier rows, found {record.scope}"
            )
        tally.add(record, record.first, record.last)


@dataclass
class Placement:
    """Ledger batches with what the export says of them, and what could not be placed."""

    ledger: LedgerSide
    held: dict[str, tuple[LedgerBatch, Tally]] = field(default_factory=dict)
    unplaced: list[Difference] = field(default_factory=list)

    def place(self, ref: str, tally: Tally) -> None:
        """Put the claims of export reference ``ref`` on the ledger batches they speak about."""
        batch = self.ledger.batch(ref)
        if batch is not None:
            held = self._tally_of(batch, tally.scope)
            held.absorb(tally.claims, tally.quantity, tally.lists_all_serials)
            return
        missing = []
        for claim in tally.claims:
            holders = list(self.ledger.overlapping(tally.scope, claim.first, claim.last))
            for holder in holders:
                part = _clipped(claim, holder)
                held = self._tally_of(holder, tally.scope)
                held.absorb([part], part.last - part.first + 1, tally.lists_all_serials)
            missing += subtract([(claim.first, claim.last)], [(h.first, h.last) for h in holders])
        if missing:
            registry = Side(tuple(missing), count(missing))
            difference = Difference("missing_in_ledger", ref, tally.scope, registry, Side())
            self.unplaced.append(difference)

    def _tally_of(self, batch: LedgerBatch, scope: str) -> Tally:
        # The tally keeps the export's scope, so a batch the ledger numbers in another scope
        # shows as a serial mismatch instead of being compared number by number.
        if batch.batch_ref not in self.held:
            self.held[batch.batch_ref] = (batch, Tally(batch.registry, scope))
        return self.held[batch.batch_ref][1]


def _clipped(claim: Claim, batch: LedgerBatch) -> Claim:
    first, last = max(claim.first, batch.first), min(claim.last, batch.last)
    return Claim(first, last, claim.state, claim.source, claim.row_first, claim.row_last)


def issuance_batch_refs(refs: list[str], issuance: str) -> list[str]:
    """The sorted ``refs`` that equal the issuance-level reference or extend it with ``-``."""
    at = bisect_left(refs, issuance)
    found = [issuance] if at < len(refs) and refs[at] == issuance else []
    at = bisect_left(refs, f"{issuance}-")
    while at < len(refs) and refs[at].startswith(f"{issuance}-"):
        found.append(refs[at])
        at += 1
    return found


def issued_total(ref: str, quantity: int, batches: list[LedgerBatch]) -> list[Difference]:
    """Differences between a registry issuance total and the ledger batches of that issuance."""
    registry = Side(quantity=quantity)
    if not batches:
        detail = "no ledger batch belongs to this issuance"
        return [Difference("missing_in_ledger", ref, None, registry, Side(), detail=detail)]
    minted = sum(batch.quantity for batch in batches)
    if minted == quantity:
        return []
    ledger = Side(tuple((batch.first, batch.last) for batch in batches), minted)
    detail = f"ledger batches {', '.join(batch.batch_ref for batch in batches)}"
    return [Difference("quantity_mismatch", ref, None, registry, ledger, detail=detail)]
