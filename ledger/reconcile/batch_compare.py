"""One batch: what the export claims about its serials, and how that differs from the ledger."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import NamedTuple

from ledger.reconcile.ledger_side import LedgerBatch
from ledger.reconcile.ranges import Range, coalesce, merge, overlay
from ledger.reconcile.records import RegistryRecord
from ledger.reconcile.report import Difference, DifferenceClass, Side


class State(NamedTuple):
    """A serial's state on one side; ``listed`` is false where the registry was silent."""

    status: str
    beneficiary: str | None
    listed: bool = True


# A retirement report's silence about a serial means the registry has not retired it.
_PRESUMED_ACTIVE = State("active", None, listed=False)


@dataclass(slots=True)
class Claim:
    """Serials ``first..last`` that consecutive rows of the export put in one state."""

    first: int
    last: int
    state: State
    source: str
    row_first: int
    row_last: int

    def where(self) -> str:
        """File and row(s) the claim comes from."""
        if self.row_first == self.row_last:
            return f"{self.source}:{self.row_first}"
        return f"{self.source}:{self.row_first}-{self.row_last}"


@dataclass(slots=True)
class Tally:
    """All the export says about one batch."""

    registry: str
    scope: str
    quantity: int = 0
    lists_all_serials: bool = False
    claims: list[Claim] = field(default_factory=list)

    def add(self, record: RegistryRecord, first: int, last: int) -> None:
        """Count ``record`` (serials ``first..last``), folding it into the previous claim if it
        continues it row after row with the same state."""
        used = record.status not in ("issued", "active")
        beneficiary = record.beneficiary if used else None
        state = State(
            "active" if not used else record.status,
            None if beneficiary is None else sys.intern(beneficiary),
        )
        self.quantity += record.quantity
        self.lists_all_serials |= record.lists_all_serials
        previous = self.claims[-1] if self.claims else None
        if (
            previous is not None
            and previous.last + 1 == first
            and previous.row_last + 1 == record.row
            and previous.state == state
            and previous.source == record.source
        ):
            previous.last = last
            previous.row_last = record.row
            return
        self.claims.append(Claim(first, last, state, record.source, record.row, record.row))

    def absorb(self, claims: list[Claim], quantity: int, lists_all_serials: bool) -> None:
        """Take over claims that another reference's rows made about this batch's serials."""
        self.claims += claims
        self.quantity += quantity
        self.lists_all_serials |= lists_all_serials

    def ranges(self) -> list[Range]:
        """The union of the serials claimed."""
        return merge((claim.first, claim.last) for claim in self.claims)


def resolved(claims: list[Claim]) -> list[tuple[int, int, State]]:
    """Claims as sorted, non-overlapping pieces; where rows overlap (a double mint, reported
    on its own) the lower-starting claim keeps the shared serials."""
    claims.sort(key=lambda claim: (claim.first, claim.last))
    pieces: list[tuple[int, int, State]] = []
    reach = -1
    for claim in claims:
        first = max(claim.first, reach + 1)
        if first <= claim.last:
            pieces.append((first, claim.last, claim.state))
            reach = claim.last
    return coalesce(pieces)


def compare_batch(tally: Tally | None, batch: LedgerBatch) -> list[Difference]:
    """Differences between what the export says of ``batch`` (nothing, if ``tally`` is None)."""
    if tally is not None and tally.scope != batch.scope:
        detail = f"the registry numbers these serials in {tally.scope}, the ledger in {batch.scope}"
        registry = Side.of(tally.ranges())
        return [_difference("serial_mismatch", batch, registry, _whole(batch), detail)]
    found: list[Difference] = []
    if tally is not None and tally.lists_all_serials and tally.quantity != batch.quantity:
        registry = Side(tuple(tally.ranges()), tally.quantity)
        found.append(_difference("quantity_mismatch", batch, registry, _whole(batch)))
    claims = [] if tally is None else resolved(tally.claims)
    full = tally is not None and tally.lists_all_serials
    return found + _serial_differences(batch, claims, full)


def _serial_differences(
    batch: LedgerBatch, claims: list[tuple[int, int, State]], full: bool
) -> list[Difference]:
    ledger = [
        (block.first, block.last, State(block.state, _used_by(block.state, block.beneficiary)))
        for block in batch.blocks
    ]
    registry_only: list[Range] = []
    ledger_only: list[Range] = []
    states: list[tuple[int, int, tuple[DifferenceClass, State, State]]] = []
    for first, last, on_registry, on_ledger in overlay(claims, ledger):
        if on_ledger is None:
            registry_only.append((first, last))
        elif on_registry is None and full:
            ledger_only.append((first, last))
        else:
            registry_state = on_registry or _PRESUMED_ACTIVE
            kind = _state_difference(registry_state, on_ledger)
            if kind is not None:
                states.append((first, last, (kind, registry_state, on_ledger)))
    found: list[Difference] = []
    if registry_only or ledger_only:
        sides = Side.of(merge(registry_only)), Side.of(merge(ledger_only))
        found.append(_difference("serial_mismatch", batch, *sides))
    for first, last, (kind, registry_state, ledger_state) in coalesce(states):
        found.append(_state_mismatch(kind, batch, (first, last), registry_state, ledger_state))
    return found


def _used_by(state: str, beneficiary: str | None) -> str | None:
    # Whom an active block is earmarked for is not a registry fact; only used credits name one.
    return None if state == "active" else beneficiary


def _state_difference(registry: State, ledger: State) -> DifferenceClass | None:
    either = registry.status == "retired_or_cancelled" and ledger.status in ("retired",
                                                                             "cancelled")
    if registry.status != ledger.status and not either:
        return "status_mismatch"
    if ledger.status == "cancelled":
        return None  # a cancellation names no beneficiary
    named = beneficiary_key(registry.beneficiary), beneficiary_key(ledger.beneficiary)
    if registry.status != "active" and named[0] != named[1]:
        return "beneficiary_mismatch"
    return None


def beneficiary_key(beneficiary: str | None) -> str | None:
    """A beneficiary as names are compared: whatever its case and spacing."""
    return None if beneficiary is None else " ".join(beneficiary.casefold().split())


def _state_mismatch(
    kind: DifferenceClass, batch: LedgerBatch, serials: Range, registry: State, ledger: State
) -> Difference:
    detail = "" if registry.listed else "the registry's report does not list these serials as used"
    return _difference(
        kind,
        batch,
        Side.of([serials], registry.status, registry.beneficiary),
        Side.of([serials], ledger.status, ledger.beneficiary),
        detail,
    )


def _whole(batch: LedgerBatch) -> Side:
    return Side.of([(batch.first, batch.last)])


def _difference(
    kind: DifferenceClass, batch: LedgerBatch, registry: Side, ledger: Side, detail: str = ""
) -> Difference:
    return Difference(kind, batch.batch_ref, batch.scope, registry, ledger, detail=detail)
