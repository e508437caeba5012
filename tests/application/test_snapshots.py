"""Snapshots: signed like events, restored exactly, and linked into the hash chain."""

from __future__ import annotations

import pytest

from ledger import ids
from ledger.errors import SignatureInvalid
from ledger.settings import Settings
from ledger.usecases import holdings, minting, reservations
from ledger.usecases.unit import UnitOfWork
from tests.support import tamper
from tests.support.builders import issuance, open_buyers
from tests.support.clock import Clock

LEAF = "ART:ART102-2021-11"


def busy_batch(ledger: UnitOfWork, operations: int) -> None:
    minting.mint(ledger, document=issuance(first=1, last=10_000))
    open_buyers(ledger, "acme")
    for _ in range(operations):
        reservations.settle(ledger, reservation=reservations.reserve(
            ledger, buyer="acme", quantity=3, batch=LEAF).reservation)
        holdings.retire(ledger, holder="acme", batch=LEAF, quantity=1, beneficiary="Acme",
                        reason="claim", claim_period="2025")


def test_a_batch_loaded_from_a_snapshot_equals_the_one_replayed_from_events(
    ledger: UnitOfWork, settings: Settings, clock: Clock
) -> None:
    busy_batch(ledger, 40)
    stored = ledger.events.snapshots
    snapshots = list(stored.get(ids.batch_id(LEAF))) if stored else []
    assert snapshots, "expected a snapshot after 50 events"
    fresh = UnitOfWork(settings, clock=clock)
    from_snapshot = fresh.load_batch(LEAF)
    replayed = fresh.events.repository.get(ids.batch_id(LEAF), version=from_snapshot.version)
    assert from_snapshot.pools == replayed.pools
    assert from_snapshot.retired_by == replayed.retired_by == {"acme": 40}
    assert from_snapshot.created_on == replayed.created_on
    fresh.close()


def test_a_tampered_snapshot_is_refused(
    ledger: UnitOfWork, settings: Settings, clock: Clock
) -> None:
    busy_batch(ledger, 30)
    assert tamper.replace_in_snapshots(settings, b'"retired"', b'"retirex"') > 0
    fresh = UnitOfWork(settings, clock=clock)
    with pytest.raises(SignatureInvalid):
        fresh.load_batch(LEAF)
    fresh.close()
