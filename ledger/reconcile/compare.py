"""Reconcile registry records with the ledger, serial by serial; independent of storage.

The export is read once and kept per batch, not per row: consecutive rows of a batch that
continue each other's serials in the same state fold into one claim, so memory follows the
number of distinct blocks. Serials are compared as sorted ranges, so the work follows the number
of ranges, never the number of serials.

Ledger batches the export does not speak about, in the registries it covers: where the export
lists whole batches or issuance totals, a batch it does not name is ``missing_in_registry``; where
it lists only retirements, the batch's serials count as active on the registry, so a ledger
retirement the report leaves out is a ``status_mismatch``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ledger.reconcile.batch_compare import compare_batch
from ledger.reconcile.double_mints import LedgerDoubleMints, export_double_mints
from ledger.reconcile.ledger_side import LedgerBatch, LedgerBlock, LedgerSide, MemoryLedgerSide
from ledger.reconcile.placement import (
    ExportTallies,
    Placement,
    issuance_batch_refs,
    issued_total,
)
from ledger.reconcile.records import RegistryRecord
from ledger.reconcile.report import DIFFERENCE_CLASSES, Difference, ReconcileReport, Side

__all__ = [
    "DIFFERENCE_CLASSES",
    "Difference",
    "LedgerBatch",
    "LedgerBlock",
    "LedgerSide",
    "MemoryLedgerSide",
    "ReconcileReport",
    "Side",
    "reconcile",
]


def reconcile(records: Iterable[RegistryRecord], ledger: LedgerSide) -> ReconcileReport:
    """Compare an export's records with the ledger and classify every difference."""
    export = ExportTallies()
    for record in records:
        export.add(record)
    found = list(export_double_mints(export.batches))
    placement = Placement(ledger)
    for ref, tally in sorted(export.batches.items()):
        placement.place(ref, tally)
    found += placement.unplaced
    double_mints = LedgerDoubleMints(ledger)
    for batch, tally in (placement.held[ref] for ref in sorted(placement.held)):
        found += compare_batch(tally, batch) + double_mints.check(batch)
    refs = {registry: sorted(ledger.batch_refs(registry)) for registry in export.registries}
    in_issuances: set[str] = set()
    for ref, (registry, quantity) in sorted(export.issued.items()):
        issuance_refs = issuance_batch_refs(refs[registry], ref)
        in_issuances.update(issuance_refs)
        found += issued_total(ref, quantity, list(_batches(ledger, issuance_refs)))
    for registry, registry_refs in sorted(refs.items()):
        unplaced = [ref for ref in registry_refs if ref not in placement.held]
        for batch in _batches(ledger, unplaced):
            found += double_mints.check(batch)
            if registry in export.listing_registries and batch.batch_ref not in in_issuances:
                found.append(_missing_in_registry(batch))
            elif registry in export.retirement_registries:
                found += compare_batch(None, batch)
    batches_compared = len(export.batches) + len(export.issued)
    return ReconcileReport(tuple(sorted(found, key=_order)), export.records_read, batches_compared)


def _batches(ledger: LedgerSide, refs: list[str]) -> Iterator[LedgerBatch]:
    """The ledger batches minted under ``refs``."""
    for ref in refs:
        batch = ledger.batch(ref)
        if batch is not None:
            yield batch


def _missing_in_registry(batch: LedgerBatch) -> Difference:
    ledger = Side.of([(batch.first, batch.last)])
    return Difference("missing_in_registry", batch.batch_ref, batch.scope, Side(), ledger)


def _order(difference: Difference) -> tuple[int, str, int]:
    ranges = difference.registry.ranges or difference.ledger.ranges
    first = ranges[0][0] if ranges else -1
    return DIFFERENCE_CLASSES.index(difference.kind), difference.batch_ref, first
