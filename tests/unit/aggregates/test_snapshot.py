"""LedgerSnapshot: a snapshot's state survives the signed store's JSON and rebuilds the aggregate.

The store writes a snapshot's state as JSON with ``to_plain`` for UUIDs, datetimes and block
sets; here the same round trip runs in memory, with no store.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import uuid4

from ledger.aggregates.batch import CreditBatch
from ledger.aggregates.catalogue import Catalogue
from ledger.aggregates.serial_scope import SerialScope
from ledger.aggregates.snapshot import LedgerSnapshot
from ledger.serials import BlockSet, SerialRange
from ledger.serials.pools import AVAILABLE, HELD, RESERVED, RETIRED
from ledger.signing.envelope import to_plain


def through_json(snapshot: LedgerSnapshot) -> LedgerSnapshot:
    """The snapshot as the signed store gives it back: its state decoded from plain JSON."""
    state = json.loads(json.dumps(snapshot.state, default=to_plain))
    return LedgerSnapshot(
        originator_id=snapshot.originator_id,
        originator_version=snapshot.originator_version,
        timestamp=snapshot.timestamp,
        topic=snapshot.topic,
        state=state,
    )


def restored(aggregate: Any) -> Any:
    return through_json(LedgerSnapshot.take(aggregate)).mutate(None)


def busy_batch() -> CreditBatch:
    """A batch with serials in every kind of pool, split into several blocks."""
    batch = CreditBatch(
        id=uuid4(), reference="ART:X", source="LEAF", registry="ART", issuance_id="X",
        scope="ART-GY-2021", vintage=2021, serial_first=1, serial_last=100,
        operator="operator", document={"issuance_id": "X"},
    )
    acme, contoso = uuid4(), uuid4()
    batch.settle(acme, "acme", batch.reserve_lowest(acme, "acme", 20))
    batch.reserve_lowest(contoso, "contoso", 10)
    batch.transfer_lowest(uuid4(), "acme", "buffer", 3)
    batch.retire_lowest(uuid4(), "acme", 5)
    batch.settle(contoso, "contoso", [SerialRange(24, 25)])
    batch.collect_events()
    return batch


def test_a_batch_snapshot_rebuilds_an_equal_batch_after_json() -> None:
    batch = busy_batch()
    again = restored(batch)
    assert again == batch
    assert again.version == batch.version


def test_a_restored_batch_has_block_sets_not_lists() -> None:
    again = restored(busy_batch())
    assert set(again.pools) == {AVAILABLE, RESERVED, RETIRED, f"{HELD}acme", f"{HELD}buffer",
                                f"{HELD}contoso"}
    assert all(isinstance(blocks, BlockSet) for blocks in again.pools.values())
    assert list(again.pools[RESERVED]) == [SerialRange(21, 23), SerialRange(26, 30)]


def test_a_restored_batch_keeps_its_totals_and_tallies() -> None:
    batch = busy_batch()
    again = restored(batch)
    assert again.totals() == batch.totals()
    assert again.holders() == batch.holders() == {"acme": 12, "buffer": 3, "contoso": 2}
    assert again.reserved_for == {"contoso": 8}
    assert again.retired_by == {"acme": 5}


def test_a_restored_batch_takes_further_commands_like_the_original() -> None:
    batch = busy_batch()
    again = restored(batch)
    for aggregate in (batch, again):
        aggregate.retire_lowest(uuid4(), "acme", 4)
        aggregate.reserve_lowest(uuid4(), "acme", 15)
    assert again.pools == batch.pools
    assert [e.blocks for e in again.collect_events()] == [
        e.blocks for e in batch.collect_events()
    ]


def test_events_after_a_snapshot_apply_to_the_restored_batch() -> None:
    batch = busy_batch()
    snapshot = through_json(LedgerSnapshot.take(batch))
    batch.retire_lowest(uuid4(), "contoso", 2)
    batch.transfer_lowest(uuid4(), "operator", "buffer", 50)
    again = snapshot.mutate(None)
    for e in batch.collect_events():
        again = e.mutate(again)
    assert again == batch


def test_restored_timestamps_are_datetimes_again() -> None:
    batch = busy_batch()
    again = restored(batch)
    assert isinstance(again.created_on, datetime)
    assert (again.created_on, again.modified_on) == (batch.created_on, batch.modified_on)


def test_a_snapshot_without_held_total_counts_it_from_the_held_pools() -> None:
    batch = busy_batch()
    snapshot = through_json(LedgerSnapshot.take(batch))
    del snapshot.state["held_total"]
    assert snapshot.mutate(None).held_total == batch.held_total == 17


def test_a_serial_scope_snapshot_restores_its_claims_and_integer_owner_keys() -> None:
    scope = SerialScope(id=uuid4(), scope="ART-GY-2021")
    scope.claim("ART:A", 1, 10)
    scope.claim("ART:B", 30, 40)
    scope.collect_events()
    again = restored(scope)
    assert again == scope
    assert isinstance(again.claimed, BlockSet)
    assert again.owners == {1: "ART:A", 30: "ART:B"}
    assert again.overlaps(SerialRange(35, 50)) == [("ART:B", SerialRange(35, 40))]


def test_a_catalogue_snapshot_needs_no_restore() -> None:
    catalogue = Catalogue(id=uuid4())
    catalogue.list_batch("ART:A", "LEAF")
    catalogue.list_batch("DAC:B", "DAC")
    catalogue.collect_events()
    again = restored(catalogue)
    assert again == catalogue
    assert again.references("DAC") == ["DAC:B"]
