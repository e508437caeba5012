"""Snapshots: signed like events, restored exactly, and linked into the hash chain."""

from __future__ import annotations

import pytest

from ledger import ids
from ledger.app import Ledger
from ledger.context import Settings
from ledger.errors import SignatureInvalid
from tests import tamper
from tests.conftest import Clock
from tests.support import issuance, open_buyers

LEAF = "ART:ART102-2021-11"


def busy_batch(ledger: Ledger, operations: int) -> None:
    ledger.mint(issuance(first=1, last=10_000))
    open_buyers(ledger, "acme")
    for _ in range(operations):
        ledger.settle(ledger.reserve("acme", 3, batch=LEAF).reservation)
        ledger.retire("acme", LEAF, 1, "Acme", "claim", "2025")


def test_a_batch_loaded_from_a_snapshot_equals_the_one_replayed_from_events(
    ledger: Ledger, settings: Settings, clock: Clock
) -> None:
    busy_batch(ledger, 40)
    snapshots = list(ledger.snapshots.get(ids.batch_id(LEAF))) if ledger.snapshots else []
    assert snapshots, "expected a snapshot after 50 events"
    fresh = Ledger(settings.store.env(), settings.keys.keyring(), clock=clock)
    from_snapshot = fresh.batch(LEAF)
    replayed = fresh.repository.get(ids.batch_id(LEAF), version=from_snapshot.version)
    assert from_snapshot.pools == replayed.pools
    assert from_snapshot.retired_by == replayed.retired_by == {"acme": 40}
    assert from_snapshot.created_on == replayed.created_on
    fresh.close()


def test_a_tampered_snapshot_is_refused(
    ledger: Ledger, settings: Settings, clock: Clock
) -> None:
    busy_batch(ledger, 30)
    assert tamper.replace_in_snapshots(settings, b'"retired"', b'"retirex"') > 0
    fresh = Ledger(settings.store.env(), settings.keys.keyring(), clock=clock)
    with pytest.raises(SignatureInvalid):
        fresh.batch(LEAF)
    fresh.close()
