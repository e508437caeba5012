"""The outcome of a reconciliation: classified differences, counts, ``--json`` and a text table."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from ledger.errors import ReconcileDifferences
from ledger.reconcile.ranges import Range, count

DifferenceClass = Literal[
    "missing_in_ledger",
    "missing_in_registry",
    "quantity_mismatch",
    "serial_mismatch",
    "status_mismatch",
    "beneficiary_mismatch",
    "double_mint",
    "stale_pending",
]
DIFFERENCE_CLASSES: tuple[DifferenceClass, ...] = get_args(DifferenceClass)
_SHOWN_RANGES = 3


@dataclass(frozen=True)
class Side:
    """What one side (registry or ledger) says about the serials a difference is about."""

    ranges: tuple[Range, ...] = ()
    quantity: int | None = None
    status: str | None = None
    beneficiary: str | None = None

    @classmethod
    def of(
        cls, ranges: list[Range], status: str | None = None, beneficiary: str | None = None
    ) -> Side:
        """A side holding ``ranges``, its quantity counted from them."""
        return cls(tuple(ranges), count(ranges), status, beneficiary)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``; ranges are ``[first, last]``, inclusive."""
        return {
            "ranges": [list(serials) for serials in self.ranges],
            "quantity": self.quantity,
            "status": self.status,
            "beneficiary": self.beneficiary,
        }

    def render(self) -> str:
        """One table cell: ranges, quantity, status and beneficiary, as far as known."""
        shown = [f"{first}-{last}" for first, last in self.ranges[:_SHOWN_RANGES]]
        if len(self.ranges) > _SHOWN_RANGES:
            shown.append(f"+{len(self.ranges) - _SHOWN_RANGES} more")
        words = [", ".join(shown)] if shown else []
        if self.quantity is not None:
            words.append(f"({self.quantity})")
        if self.status is not None:
            words.append(self.status)
        if self.beneficiary is not None:
            words.append(f"for {self.beneficiary}")
        return " ".join(words) or "-"


@dataclass(frozen=True)
class Difference:
    """One disagreement between the export and the ledger, about one batch."""

    kind: DifferenceClass
    batch_ref: str
    scope: str | None
    registry: Side = field(default_factory=Side)
    ledger: Side = field(default_factory=Side)
    other_batch_ref: str | None = None
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {
            "class": self.kind,
            "batch_ref": self.batch_ref,
            "scope": self.scope,
            "registry": self.registry.to_dict(),
            "ledger": self.ledger.to_dict(),
            "other_batch_ref": self.other_batch_ref,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class ReconcileReport:
    """Every difference found, in a stable order, and what was compared."""

    differences: tuple[Difference, ...]
    records_read: int
    batches_compared: int
    confirmed: tuple[dict[str, str], ...] = ()
    """Pending retirements this run confirmed (``--confirm``): id and registry reference."""

    @property
    def reconciled(self) -> bool:
        """True when the export and the ledger agree on everything compared."""
        return not self.differences

    def counts(self) -> dict[DifferenceClass, int]:
        """Differences per class, every class present (zero included)."""
        found = Counter(difference.kind for difference in self.differences)
        return {kind: found[kind] for kind in DIFFERENCE_CLASSES}

    def findings(self) -> ReconcileDifferences | None:
        """The error a reconciliation with differences ends with: None when it reconciles."""
        if self.reconciled:
            return None
        found = ", ".join(f"{kind} {n}" for kind, n in self.counts().items() if n)
        return ReconcileDifferences(
            f"expected the exports and the ledger to agree, found {len(self.differences)} "
            f"differences ({found})"
        )

    def to_json(self) -> dict[str, Any]:
        return self.to_dict()

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {
            "reconciled": self.reconciled,
            "records_read": self.records_read,
            "batches_compared": self.batches_compared,
            "summary": self.counts(),
            "differences": [difference.to_dict() for difference in self.differences],
            "confirmed": list(self.confirmed),
        }

    def render_text(self) -> str:
        """A table of the differences followed by the counts per class."""
        compared = f"{self.records_read} records read, {self.batches_compared} batches compared"
        confirmed = "".join(f"confirmed retirement {c['retirement']} as {c['registry_ref']}\n"
                            for c in self.confirmed)
        if self.reconciled:
            return f"{confirmed}Everything reconciles: {compared}.\n"
        rows = [("class", "batch", "registry", "ledger", "detail")]
        rows += [_row(difference) for difference in self.differences]
        widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
        lines = [
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            for row in rows
        ]
        summary = ", ".join(f"{kind} {number}" for kind, number in self.counts().items())
        lines += ["", f"{len(self.differences)} differences ({compared}): {summary}"]
        return confirmed + "\n".join(line.rstrip() for line in lines) + "\n"


def _row(difference: Difference) -> tuple[str, str, str, str, str]:
    detail = difference.detail
    if difference.other_batch_ref is not None:
        detail = f"with {difference.other_batch_ref}: {detail}"
    return (
        difference.kind,
        difference.batch_ref,
        difference.registry.render(),
        difference.ledger.render(),
        detail,
    )
