"""Reconcile: compare a registry's exports with the ledger, serial by serial; with ``confirm``,
record the registry's confirmation of each pending retirement its reports show, and name the
pending ones it has not shown for too long."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from ledger.progress import Progress, silent
from ledger.reconcile.batch_compare import beneficiary_key
from ledger.reconcile.compare import reconcile as compare
from ledger.reconcile.records import RegistryRecord
from ledger.reconcile.report import Difference, ReconcileReport, Side
from ledger.reconcile.store_side import StoreLedgerSide
from ledger.usecases import confirmations, reads
from ledger.usecases.unit import UnitOfWork

STALE_AFTER = timedelta(days=14)
USED = ("retired", "retired_or_cancelled")


def reconcile(uow: UnitOfWork, *, records: Iterable[RegistryRecord],
              progress: Progress = silent, confirm: UnitOfWork | None = None,
              stale_after: timedelta = STALE_AFTER) -> ReconcileReport:
    """Every difference between the registry's records and the ledger's batches, classified.
    Reading needs only the trusted public keys, not the signing key. Given ``confirm`` (a
    unit that signs), each pending retirement whose every serial the exports show retired for
    its beneficiary is confirmed, with the registry's serial text as its reference; a pending
    retirement older than ``stale_after`` that they do not show is a ``stale_pending``
    difference."""
    side = StoreLedgerSide(uow, loaded=lambda n: progress("reconcile: ledger batches read", n))
    used: dict[str, list[RegistryRecord]] = {}
    report = compare(_kept(records, used, keep=confirm is not None), side)
    if confirm is None:
        return report
    confirmed, stale = [], []
    oldest = confirm.clock() - stale_after
    for row in reads.retired(confirm).retirements:
        if row["status"] != "pending":
            continue
        batch = confirm.load_batch(row["batch"])
        shown = _shown(used.get(batch.scope, []), row["blocks"], row["beneficiary"])
        if shown is not None:
            confirmations.confirm_retirement(confirm, retirement=row["retirement"],
                                             registry_ref=shown)
            confirmed.append({"retirement": row["retirement"], "registry_ref": shown})
        elif datetime.fromisoformat(row["retired_at"]) < oldest:
            stale.append(Difference(
                "stale_pending", row["batch"], batch.scope,
                ledger=Side.of([(b[0], b[1]) for b in row["blocks"]], "pending",
                               row["beneficiary"]),
                detail=f"retirement {row['retirement']} pending since "
                       f"{row['retired_at'][:10]}; no export shows it retired"))
    return dataclasses.replace(report, differences=(*report.differences, *stale),
                               confirmed=tuple(confirmed))


def _kept(records: Iterable[RegistryRecord], used: dict[str, list[RegistryRecord]],
          keep: bool) -> Iterator[RegistryRecord]:
    """``records`` unchanged; with ``keep``, the used-up ones also kept by scope."""
    for record in records:
        if keep and record.status in USED and record.scope is not None:
            used.setdefault(record.scope, []).append(record)
        yield record


def _shown(records: list[RegistryRecord], blocks: list[list[int]],
           beneficiary: str) -> str | None:
    """The registry's reference for the serials when records retired for ``beneficiary``
    cover every block: its retirement id where it gives one, else its serial text; None when
    they do not cover them."""
    name = beneficiary_key(beneficiary)
    mine = sorted((r for r in records if beneficiary_key(r.beneficiary or "") == name),
                  key=lambda r: r.first or 0)
    texts: list[str] = []
    for first, last in blocks:
        at = first
        for record in mine:
            assert record.first is not None and record.last is not None
            if record.first <= at <= record.last:
                texts.append(record.registry_ref or record.serial_verbatim
                             or f"{record.first}-{record.last}")
                at = record.last + 1
            if at > last:
                break
        if at <= last:
            return None
    reference = "; ".join(dict.fromkeys(texts))
    return reference if len(reference) <= 200 else reference[:197] + "..."
