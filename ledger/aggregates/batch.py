"""A credit batch: one issuance, minted once, and where each of its serials is now.

Every serial of the batch sits in exactly one pool: ``available`` (the operator's inventory,
unreserved), ``reserved``, ``held:<handle>`` (a holder other than the operator), ``retired`` or
``cancelled``; the last two are terminal. Commands decide which exact blocks move; events only
move them.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.aggregates.labels import exclusive_with
from ledger.aggregates.snapshot import LedgerSnapshot
from ledger.errors import InsufficientCredits, LabelConflict, LabelMissing
from ledger.serials import BlockSet, SerialRange, ranges_from_lists, ranges_to_lists
from ledger.serials.pools import AVAILABLE, CANCELLED, HELD, RESERVED, RETIRED

UNITS = ("t", "kg")
"""What one credit of a batch is: a tonne of CO2e, or a kilogram (Isometric)."""


class CreditBatch(Aggregate):
    Snapshot = LedgerSnapshot

    @event("Minted")
    def __init__(
        self,
        id: UUID,
        reference: str,
        source: str,
        registry: str,
        issuance_id: str,
        scope: str,
        vintage: int,
        serial_first: int,
        serial_last: int,
        operator: str,
        document: dict[str, Any],
        unit: str = "t",
    ) -> None:
        self.reference = reference
        self.source = source
        self.registry = registry
        self.issuance_id = issuance_id
        self.scope = scope
        self.vintage = vintage
        self.serial_first = serial_first
        self.serial_last = serial_last
        self.operator = operator
        # What one serial is: "t" (a tonne of CO2e) or "kg"; batches minted before units
        # were recorded are tonnes.
        self.unit = unit
        # The issuance document stays in the signed Minted event only: it is large, never
        # changes, and every load would copy it.
        self.pools: dict[str, BlockSet] = {
            AVAILABLE: BlockSet([SerialRange(serial_first, serial_last)])
        }
        # Per holder, for balances: credits reserved for a buyer, and retired by a holder.
        self.reserved_for: dict[str, int] = {}
        # Credits in every held:<handle> pool together, kept so totals() never scans holders.
        self.held_total = 0
        self.retired_by: dict[str, int] = {}
        self.cancelled_by: dict[str, int] = {}
        # Labels carried now (label -> the day it took effect), and every change of them.
        self.labels: dict[str, str] = {}
        self.label_history: list[dict[str, str]] = []
        # Corrections of the issuance document's data: field -> its value now, and every one.
        self.amended: dict[str, Any] = {}
        self.amendments: list[dict[str, Any]] = []
        # Reported losses (reversal id -> tonnes) and the retirements replaced because of them
        # (retirement id -> credits).
        self.reversals: dict[str, int] = {}
        self.replaced_for: dict[str, int] = {}

    @staticmethod
    def restore(state: dict[str, Any]) -> None:
        """Rebuild block sets after a snapshot was read back from JSON."""
        state["pools"] = {k: BlockSet.from_lists(v) for k, v in state["pools"].items()}
        state.setdefault("held_total", sum(
            b.count for k, b in state["pools"].items() if k.startswith(HELD)))
        state.setdefault("cancelled_by", {})
        state.setdefault("unit", "t")
        state.setdefault("labels", {})
        state.setdefault("label_history", [])
        state.setdefault("amended", {})
        state.setdefault("amendments", [])
        state.setdefault("reversals", {})
        state.setdefault("replaced_for", {})

    # --- reads -------------------------------------------------------------------------------

    @property
    def minted(self) -> int:
        return self.serial_last - self.serial_first + 1

    def pool_of(self, holder: str) -> str:
        """The pool a holder's unreserved, unretired credits sit in."""
        return AVAILABLE if holder == self.operator else f"{HELD}{holder}"

    def count(self, pool: str) -> int:
        blocks = self.pools.get(pool)
        return blocks.count if blocks else 0

    @property
    def reversed(self) -> int:
        return sum(self.reversals.values())

    def holders(self) -> dict[str, int]:
        """Credits held by each holder other than the operator."""
        return {
            p.removeprefix(HELD): b.count
            for p, b in self.pools.items()
            if p.startswith(HELD) and b.count
        }

    def totals(self) -> dict[str, int]:
        """Minted, and where those credits are now: one count per name of :data:`POOLS`."""
        return {
            "minted": self.minted,
            "available": self.count(AVAILABLE),
            "reserved": self.count(RESERVED),
            "held": self.held_total,
            "retired": self.count(RETIRED),
            "cancelled": self.count(CANCELLED),
        }

    def take(self, holder: str, quantity: int) -> list[SerialRange]:
        """The lowest ``quantity`` serials ``holder`` can move, or InsufficientCredits."""
        pool = self.pool_of(holder)
        have = self.count(pool)
        if quantity > have:
            what = "available in the operator's inventory" if pool == AVAILABLE else "held"
            raise InsufficientCredits(
                f"batch {self.reference}: expected at least {quantity} credits {what} "
                f"by {holder}, found {have}"
            )
        return self.pools[pool].take_lowest(quantity)

    # --- commands: decide which blocks move -------------------------------------------------

    def reserve_lowest(
        self, reservation_id: UUID, buyer: str, quantity: int
    ) -> list[SerialRange]:
        blocks = self.take(self.operator, quantity)
        self._reserved(reservation_id, buyer, ranges_to_lists(blocks))
        return blocks

    def release(
        self, reservation_id: UUID, buyer: str, blocks: list[SerialRange], expired: bool
    ) -> None:
        self._require(RESERVED, blocks)
        self._released(reservation_id, buyer, ranges_to_lists(blocks), expired)

    def settle(self, reservation_id: UUID, buyer: str, blocks: list[SerialRange]) -> None:
        self._require(RESERVED, blocks)
        self._settled(reservation_id, buyer, ranges_to_lists(blocks))

    def transfer_lowest(
        self, transfer_id: UUID, sender: str, recipient: str, quantity: int
    ) -> list[SerialRange]:
        blocks = self.take(sender, quantity)
        self._transferred(transfer_id, sender, recipient, ranges_to_lists(blocks))
        return blocks

    def retire_lowest(self, retirement_id: UUID, holder: str, quantity: int) -> list[SerialRange]:
        blocks = self.take(holder, quantity)
        self._retired(retirement_id, holder, ranges_to_lists(blocks))
        return blocks

    def revert_retirement(self, retirement_id: UUID, holder: str,
                          blocks: list[SerialRange]) -> None:
        """A pending retirement the registry never made: its serials go back to the holder."""
        self._require(RETIRED, blocks)
        self._retirement_reverted(retirement_id, holder, ranges_to_lists(blocks))

    def cancel_lowest(self, cancellation_id: UUID, holder: str, kind: str,
                      quantity: int) -> list[SerialRange]:
        blocks = self.take(holder, quantity)
        self._cancelled(cancellation_id, holder, kind, ranges_to_lists(blocks))
        return blocks

    def apply_label(self, label: str, evidence: str, effective: str) -> None:
        if label in self.labels:
            raise LabelConflict(f"batch {self.reference}: expected a label it does not carry, "
                                f"found {label} carried since {self.labels[label]}")
        clash = exclusive_with(label, set(self.labels))
        if clash is not None:
            other, what = clash
            raise LabelConflict(f"batch {self.reference}: expected one {what} to apply "
                                f"{label}, found {other} (revoke it first)")
        self._label_applied(label, evidence, effective)

    def revoke_label(self, label: str, evidence: str, effective: str) -> None:
        if label not in self.labels:
            raise LabelConflict(f"batch {self.reference}: expected the label {label} to "
                                f"revoke, found {', '.join(sorted(self.labels)) or 'no labels'}")
        self._label_revoked(label, evidence, effective)

    def require_labels(self, labels: list[str]) -> None:
        """LabelMissing naming the first of ``labels`` the batch does not carry now."""
        for label in labels:
            if label not in self.labels:
                raise LabelMissing(
                    f"batch {self.reference}: expected the label {label}, found "
                    f"{', '.join(sorted(self.labels)) or 'no labels'}")

    def amend(self, field: str, old: Any, new: Any, evidence: str) -> None:
        """Correct one field of the issuance data; the signed Minted document stays as it was."""
        self._amended(field, old, new, evidence)

    def record_reversal(self, reversal_id: UUID, quantity: int, evidence: str) -> None:
        """A reported loss of ``quantity`` (in the batch's unit) its credits stood for (a fire,
        a leak): at most what was minted, all reversals together."""
        if self.reversed + quantity > self.minted:
            raise InsufficientCredits(
                f"batch {self.reference}: expected reversals of at most the {self.minted} "
                f"minted, found {self.reversed} reversed before and {quantity} more")
        self._reversal_recorded(reversal_id, quantity, evidence)

    def record_replacement(self, retirement_id: UUID, retired: int, replacement_id: UUID,
                           quantity: int) -> None:
        """``quantity`` credits of another batch retired to replace part of a retirement of
        this one: within the reversals reported, and within what that retirement retired."""
        replaced = sum(self.replaced_for.values())
        open_ = self.reversed - replaced
        done = self.replaced_for.get(str(retirement_id), 0)
        if quantity > open_:
            raise InsufficientCredits(
                f"batch {self.reference}: expected at least {quantity} reversed tonnes not "
                f"yet replaced, found {open_} ({self.reversed} reported reversed, {replaced} "
                "replaced; `ledger reversal record` first)")
        if done + quantity > retired:
            raise InsufficientCredits(
                f"retirement {retirement_id}: expected at most {retired - done} more credits "
                f"to replace ({retired} retired, {done} replaced), found {quantity}")
        self._replacement_recorded(retirement_id, replacement_id, quantity)

    def _require(self, pool: str, blocks: list[SerialRange]) -> None:
        """Every serial of ``blocks`` is in ``pool``, and no serial is named twice: the event
        that follows can then move them all."""
        held = self.pools.get(pool, BlockSet())
        missing = [b for b in blocks if not held.contains(b)]
        ordered = sorted(blocks)
        named_twice = [b for a, b in pairwise(ordered) if b.first <= a.last]
        if named_twice:
            raise InsufficientCredits(
                f"batch {self.reference}: expected each serial named once, found "
                f"{', '.join(map(str, named_twice))} named twice"
            )
        if missing:
            raise InsufficientCredits(
                f"batch {self.reference}: expected blocks {', '.join(map(str, missing))} "
                f"to be {pool}, found them elsewhere"
            )

    # --- events: they only move blocks -------------------------------------------------------

    @event("Reserved")
    def _reserved(self, reservation_id: UUID, buyer: str, blocks: list[list[int]]) -> None:
        self._tally(self.reserved_for, buyer, self._move(AVAILABLE, RESERVED, blocks))

    @event("Released")
    def _released(
        self, reservation_id: UUID, buyer: str, blocks: list[list[int]], expired: bool
    ) -> None:
        self._tally(self.reserved_for, buyer, -self._move(RESERVED, AVAILABLE, blocks))

    @event("Settled")
    def _settled(self, reservation_id: UUID, buyer: str, blocks: list[list[int]]) -> None:
        self._tally(self.reserved_for, buyer, -self._move(RESERVED, self.pool_of(buyer), blocks))

    @event("Transferred")
    def _transferred(
        self, transfer_id: UUID, sender: str, recipient: str, blocks: list[list[int]]
    ) -> None:
        self._move(self.pool_of(sender), self.pool_of(recipient), blocks)

    @event("Retired")
    def _retired(self, retirement_id: UUID, holder: str, blocks: list[list[int]]) -> None:
        self._tally(self.retired_by, holder, self._move(self.pool_of(holder), RETIRED, blocks))

    @event("RetirementReverted")
    def _retirement_reverted(
        self, retirement_id: UUID, holder: str, blocks: list[list[int]]
    ) -> None:
        self._tally(self.retired_by, holder, -self._move(RETIRED, self.pool_of(holder), blocks))

    @event("Cancelled")
    def _cancelled(
        self, cancellation_id: UUID, holder: str, kind: str, blocks: list[list[int]]
    ) -> None:
        self._tally(self.cancelled_by, holder,
                    self._move(self.pool_of(holder), CANCELLED, blocks))

    @event("LabelApplied")
    def _label_applied(self, label: str, evidence: str, effective: str) -> None:
        self.labels[label] = effective
        self.label_history.append({"label": label, "change": "applied", "evidence": evidence,
                                   "effective": effective})

    @event("LabelRevoked")
    def _label_revoked(self, label: str, evidence: str, effective: str) -> None:
        del self.labels[label]
        self.label_history.append({"label": label, "change": "revoked", "evidence": evidence,
                                   "effective": effective})

    @event("Amended")
    def _amended(self, field: str, old: Any, new: Any, evidence: str) -> None:
        self.amended[field] = new
        self.amendments.append({"field": field, "from": old, "to": new, "evidence": evidence})

    @event("ReversalRecorded")
    def _reversal_recorded(self, reversal_id: UUID, quantity: int, evidence: str) -> None:
        self.reversals[str(reversal_id)] = quantity

    @event("ReplacementRecorded")
    def _replacement_recorded(self, retirement_id: UUID, replacement_id: UUID,
                              quantity: int) -> None:
        key = str(retirement_id)
        self.replaced_for[key] = self.replaced_for.get(key, 0) + quantity

    def _move(self, from_pool: str, to_pool: str, blocks: list[list[int]]) -> int:
        into = self.pools.setdefault(to_pool, BlockSet())
        moved = 0
        for block in ranges_from_lists(blocks):
            self.pools[from_pool].remove(block)
            into.add(block)
            moved += block.count
        if not self.pools[from_pool].count and from_pool != AVAILABLE:
            del self.pools[from_pool]
        self.held_total += moved * (to_pool.startswith(HELD) - from_pool.startswith(HELD))
        return moved

    @staticmethod
    def _tally(counts: dict[str, int], holder: str, change: int) -> None:
        counts[holder] = counts.get(holder, 0) + change
        if not counts[holder]:
            del counts[holder]
