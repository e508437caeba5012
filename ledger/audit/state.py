"""The ledger as the audit rebuilds it from zero: the domain's own aggregates, replayed.

Balances and supply are derived from the replayed batches (the model the projections must
agree with); retirements are kept as small digests, so memory grows with batches and
retirements, never with events.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import defaultdict
from typing import Any, NamedTuple
from uuid import UUID

from ledger import topics
from ledger.aggregates.batch import CreditBatch
from ledger.serials.pools import AVAILABLE, POOLS, RESERVED
from ledger.transparency.bundle import commitment

WANTED = frozenset({*topics.BATCH_EVENTS, topics.RETIREMENT_RECORDED,
                    topics.RETIREMENT_CONFIRMED, topics.RETIREMENT_REVERTED,
                    topics.RETIREMENT_REVEALED, topics.ACCOUNT_OPENED,
                    topics.OPERATOR_REGISTERED})
"""What the replay applies: reservations and transfers replay through the batch's events."""


def retirement_digest(buyer: str, holder: str, beneficiary: str, batch: str, quantity: int,
                      blocks: Any, reason: str, claim_period: str, status: str,
                      registry_ref: str | None) -> bytes:
    """Eight bytes that change when any field of a retirement row does."""
    return with_status(recorded_digest(buyer, holder, batch, quantity, blocks, reason,
                                       claim_period), status, registry_ref, beneficiary)


def with_status(recorded: bytes, status: str, registry_ref: str | None,
                beneficiary: str) -> bytes:
    """The digest of a row: what was recorded, and what may change after (the status, the
    registry's reference, a hidden beneficiary revealed)."""
    text = json.dumps([recorded.hex(), status, registry_ref, beneficiary], ensure_ascii=False)
    return hashlib.sha256(text.encode()).digest()[:8]


def recorded_digest(buyer: str, holder: str, batch: str, quantity: int, blocks: Any,
                    reason: str, claim_period: str) -> bytes:
    """Eight bytes that change when any field a retirement was recorded with (and that never
    changes) does."""
    text = json.dumps([buyer, holder, batch, int(quantity), blocks, reason, claim_period],
                      ensure_ascii=False)
    return hashlib.sha256(text.encode()).digest()[:8]


class Retired(NamedTuple):
    """A retirement as the audit keeps it: a digest of what was recorded, and what changed."""

    recorded: bytes
    status: str
    registry_ref: str | None
    buyer: str
    year: str
    quantity: int
    beneficiary: str
    commitment: str | None

    def digest(self) -> bytes:
        return with_status(self.recorded, self.status, self.registry_ref, self.beneficiary)


class LedgerState:
    def __init__(self) -> None:
        self.batches: dict[UUID, CreditBatch] = {}
        self.buffers: dict[str, int] = {}  # batch reference -> its issuance's buffer
        self.holders: dict[str, str] = {}
        self.retirements: dict[str, Retired] = {}
        # Retirements whose revealed beneficiary does not hash to what they committed to.
        self.mismatched_commitments: list[str] = []
        self.retired_by_buyer: dict[str, dict[str, int]] = defaultdict(dict)
        self.origin: str | None = None

    def wants(self, topic: str) -> bool:
        return topic in WANTED

    def apply(self, topic: str, event: Any) -> CreditBatch | None:
        """Apply one verified domain event; the batch it changed, for the invariant check."""
        if topic in topics.BATCH_EVENTS:
            batch: CreditBatch = event.mutate(self.batches.get(event.originator_id))
            self.batches[event.originator_id] = batch
            if topic == topics.BATCH_MINTED:
                document = getattr(event, "document", None) or {}
                self.buffers[batch.reference] = int(document.get("buffer_quantity", 0))
            return batch
        if topic == topics.RETIREMENT_RECORDED:
            status = "pending" if getattr(event, "pending", False) else "confirmed"
            year = str(event.timestamp.year)
            # One entry per retirement in the log: names and years repeat, so each is kept once.
            self.retirements[str(event.originator_id)] = Retired(recorded_digest(
                event.buyer, event.holder, event.batch, event.quantity, event.blocks,
                event.reason, event.claim_period), status, None, sys.intern(event.buyer),
                sys.intern(year), event.quantity, sys.intern(event.beneficiary),
                getattr(event, "beneficiary_commitment", None))
            totals = self.retired_by_buyer[event.buyer]
            totals[year] = totals.get(year, 0) + event.quantity
        elif topic == topics.RETIREMENT_CONFIRMED:
            found = self.retirements[str(event.originator_id)]
            self.retirements[str(event.originator_id)] = found._replace(
                status="confirmed", registry_ref=event.registry_ref)
        elif topic == topics.RETIREMENT_REVEALED:
            found = self.retirements[str(event.originator_id)]
            self.retirements[str(event.originator_id)] = found._replace(
                beneficiary=event.beneficiary)
            if commitment(event.beneficiary, event.salt) != found.commitment:
                self.mismatched_commitments.append(str(event.originator_id))
        elif topic == topics.RETIREMENT_REVERTED:
            found = self.retirements[str(event.originator_id)]
            self.retirements[str(event.originator_id)] = found._replace(status="reverted")
            self.retired_by_buyer[found.buyer][found.year] -= found.quantity
        elif topic == topics.ACCOUNT_OPENED:
            self.holders[event.handle] = event.role
        elif topic == topics.OPERATOR_REGISTERED:
            self.origin = event.origin
        return None

    def balances(self) -> dict[tuple[str, str], tuple[int, int, int, int]]:
        """(holder, batch) -> (available, reserved, retired, cancelled), non-zero rows only."""
        rows: dict[tuple[str, str], tuple[int, int, int, int]] = {}
        for b in self.batches.values():
            holders = {b.operator, *b.holders(), *b.reserved_for, *b.retired_by,
                       *b.cancelled_by}
            for h in holders:
                reserved = b.count(RESERVED) if h == b.operator else b.reserved_for.get(h, 0)
                available = b.count(AVAILABLE) if h == b.operator else b.count(b.pool_of(h))
                row = (available, reserved, b.retired_by.get(h, 0), b.cancelled_by.get(h, 0))
                if any(row):
                    rows[h, b.reference] = row
        return rows

    def supply(self) -> dict[str, tuple[int, ...]]:
        """batch -> (minted, available, reserved, held, retired, cancelled, buffer,
        reversed)."""
        return {b.reference: (*(b.totals()[k] for k in ("minted", *POOLS)),
                              self.buffers.get(b.reference, 0), b.reversed)
                for b in self.batches.values()}
