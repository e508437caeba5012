"""The claims report: what a buyer's auditor checks for one reporting period. Every retirement
claimed for the period, the totals (removals and reductions apart, and what is still planned
under open reservations), and three checks: retired within 12 months after the period's end
(ISO 14068-1), confirmed by the registry, and retired for the buyer by name."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from ledger.aggregates.reservation import Reservation
from ledger.errors import ClaimFindings, InvalidArgument, LedgerError
from ledger.projections import merkle_log
from ledger.reconcile.batch_compare import beneficiary_key
from ledger.serials.native import native_range
from ledger.usecases import reads
from ledger.usecases.claim_data import year_span
from ledger.usecases.reservations import reservation_ids
from ledger.usecases.unit import UnitOfWork
from ledger.views import BatchView, View

KIND = {"LEAF": "reduction", "DAC": "removal"}
"""What a credit of each source stands for in a claim."""


@dataclass(frozen=True)
class ClaimsReport(View):
    """One buyer's retirements claimed for a period, their totals, and the checks' findings.

    ``format`` is how the command line writes it (text, csv or html; json is the JSON)."""

    buyer: str
    buyer_name: str
    period: str
    retired_before: str
    retirements: list[dict[str, Any]]
    totals: list[dict[str, Any]]
    planned: list[dict[str, Any]]
    problems: list[dict[str, str]] = field(default_factory=list)
    """Each check a retirement failed: its id, the check, and what was expected and found."""
    format: str = "text"

    def to_json(self) -> Any:
        return {k: v for k, v in self.to_dict().items() if k != "format"}

    def findings(self) -> LedgerError | None:
        """``claim_findings`` (exit 5) when a check failed, else None."""
        if not self.problems:
            return None
        kinds = sorted({f["check"] for f in self.problems})
        return ClaimFindings(f"expected every retirement of {self.buyer} for {self.period} to "
                             f"pass the checks, found {len(self.problems)} problems "
                             f"({', '.join(kinds)})")


def claims_report(uow: UnitOfWork, *, buyer: str, period: str,
                  catch_up: bool = True) -> ClaimsReport:
    """The claims report of ``buyer`` for ``period`` (YYYY or YYYY-YYYY): the retirements
    whose claim period falls in it."""
    first, last = year_span("--period", period)
    account = uow.load_account(buyer)
    retire_by = datetime(last + 2, 1, 1, tzinfo=UTC)  # 12 months after the period's end
    listed = reads.retired(uow, buyer=buyer, catch_up=catch_up).retirements
    rows: list[dict[str, Any]] = []
    problems: list[dict[str, str]] = []
    batches: dict[str, BatchView] = {}  # read once however many retirements share one
    for row in listed:
        if not first <= int(row["claim_period"][:4]) <= last:
            continue
        if row["batch"] not in batches:
            batches[row["batch"]] = reads.show_batch(uow, batch=row["batch"])
        entry = _entry(uow, row, batches[row["batch"]])
        rows.append(entry)
        if entry["status"] == "reverted":
            continue
        problems += _checks(entry, account.name, retire_by)
    return ClaimsReport(buyer, account.name, period, retire_by.date().isoformat(), rows,
                        _totals(rows), _planned(uow, buyer), problems)


def _entry(uow: UnitOfWork, row: dict[str, Any], batch: BatchView) -> dict[str, Any]:
    retirement = reads.show_retirement(uow, retirement=row["retirement"])
    try:
        leaf = merkle_log.leaf_of(uow.db, UUID(row["retirement"]), 1)
    except LedgerError:
        leaf = None
    return {
        "retirement": row["retirement"], "retired_at": row["retired_at"],
        "beneficiary": row["beneficiary"], "batch": row["batch"], "registry": batch.registry,
        "project": batch.document.get("project", {}).get("name", ""),
        "vintage": row["vintage"], "source": row["source"],
        "kind": KIND.get(row["source"], "other"), "quantity": row["quantity"],
        "unit": row["unit"],
        "serials": [native_range(batch.registry, batch.scope, f, la) for f, la in row["blocks"]],
        "labels": retirement.labels,
        "corresponding_adjustment": next(
            (label for label in retirement.labels if label.startswith("ca:")), None),
        "claim_period": row["claim_period"], "claim": retirement.claim,
        "status": row["status"], "registry_ref": row["registry_ref"],
        "confirmed_at": row["confirmed_at"],
        "log_index": None if leaf is None else leaf.index,
        "beneficiary_hidden_until": retirement.hidden_until,
    }


def _checks(entry: dict[str, Any], name: str, retire_by: datetime) -> list[dict[str, str]]:
    found = []
    where = {"retirement": entry["retirement"]}
    if datetime.fromisoformat(entry["retired_at"]) >= retire_by:
        found.append({**where, "check": "retired_late", "message": (
            f"expected retired before {retire_by.date()} (12 months after the period), found "
            f"{entry['retired_at'][:10]}")})
    if entry["status"] != "confirmed":
        found.append({**where, "check": "not_confirmed", "message": (
            f"expected confirmed by the registry, found {entry['status']}")})
    if entry["beneficiary_hidden_until"] is None \
            and beneficiary_key(entry["beneficiary"]) != beneficiary_key(name):
        found.append({**where, "check": "beneficiary_differs", "message": (
            f"expected the beneficiary {name!r}, found {entry['beneficiary']!r}")})
    return found


def _totals(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Retired in the period, by kind (removal, reduction) and unit; reverted ones left out."""
    sums: dict[tuple[str, str], int] = {}
    for row in rows:
        if row["status"] != "reverted":
            key = (row["kind"], row["unit"])
            sums[key] = sums.get(key, 0) + row["quantity"]
    return [{"kind": k, "unit": u, "quantity": q} for (k, u), q in sorted(sums.items())]


def _planned(uow: UnitOfWork, buyer: str) -> list[dict[str, Any]]:
    """Credits held for the buyer under open reservations (planned, not yet retired)."""
    sums: dict[str, int] = {}
    now = uow.clock()
    for rid in reservation_ids(uow):
        reservation = uow.events.load(Reservation, rid, InvalidArgument("vanished"))
        if reservation.buyer == buyer and reservation.status == "open" \
                and not reservation.is_due(now):
            sums[reservation.unit] = sums.get(reservation.unit, 0) + reservation.quantity
    return [{"unit": u, "quantity": q} for u, q in sorted(sums.items())]

