"""Reconcile: compare a registry's exports with the ledger, serial by serial."""

from __future__ import annotations

from collections.abc import Iterable

from ledger.progress import Progress, silent
from ledger.reconcile.compare import reconcile as compare
from ledger.reconcile.records import RegistryRecord
from ledger.reconcile.report import ReconcileReport
from ledger.reconcile.store_side import StoreLedgerSide
from ledger.usecases.unit import UnitOfWork


def reconcile(uow: UnitOfWork, *, records: Iterable[RegistryRecord],
              progress: Progress = silent) -> ReconcileReport:
    """Every difference between the registry's records and the ledger's batches, classified.
    Reading needs only the trusted public keys, not the signing key."""
    side = StoreLedgerSide(uow, loaded=lambda n: progress("reconcile: ledger batches read", n))
    return compare(records, side)
