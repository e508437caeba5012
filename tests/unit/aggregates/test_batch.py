"""CreditBatch: commands decide which exact blocks move, events only move them.

Every serial of a batch sits in exactly one pool, and minted = available + reserved + held +
retired after every command. Built in memory; no store.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.aggregates.batch import CreditBatch
from ledger.errors import InsufficientCredits
from ledger.serials import BlockSet, SerialRange
from ledger.serials.pools import AVAILABLE, CANCELLED, HELD, POOLS, RESERVED, RETIRED

OPERATOR = "operator"


def new_batch(first: int = 1, last: int = 100) -> CreditBatch:
    return CreditBatch(
        id=uuid4(),
        reference="ART:X",
        source="LEAF",
        registry="ART",
        issuance_id="X",
        scope="ART-GY-2021",
        vintage=2021,
        serial_first=first,
        serial_last=last,
        operator=OPERATOR,
        document={},
    )


def blocks(*pairs: tuple[int, int]) -> list[SerialRange]:
    return [SerialRange(first, last) for first, last in pairs]


def serials_of(ranges: Iterable[SerialRange]) -> list[int]:
    return [s for r in ranges for s in range(r.first, r.last + 1)]


def replay(events: Sequence[Any]) -> CreditBatch:
    aggregate = events[0].mutate(None)
    for e in events[1:]:
        aggregate = e.mutate(aggregate)
    assert isinstance(aggregate, CreditBatch)
    return aggregate


def assert_conserved(batch: CreditBatch) -> None:
    t = batch.totals()
    assert t["minted"] == sum(t[pool] for pool in POOLS), t


def assert_partitioned(batch: CreditBatch) -> None:
    """Every serial of the batch is in exactly one pool."""
    every = [s for pool in batch.pools.values() for s in serials_of(pool)]
    assert len(every) == len(set(every)), "a serial sits in two pools"
    assert sorted(every) == list(range(batch.serial_first, batch.serial_last + 1))


def assert_tallies_agree(batch: CreditBatch) -> None:
    held = {p: b.count for p, b in batch.pools.items() if p.startswith(HELD)}
    assert batch.held_total == sum(held.values())
    assert batch.holders() == {p.removeprefix(HELD): n for p, n in held.items() if n}
    assert sum(batch.reserved_for.values()) == batch.count(RESERVED)
    assert sum(batch.retired_by.values()) == batch.count(RETIRED)
    assert sum(batch.cancelled_by.values()) == batch.count(CANCELLED)
    assert all(n > 0 for n in batch.reserved_for.values())
    assert all(n > 0 for n in batch.retired_by.values())
    assert all(n > 0 for n in batch.cancelled_by.values())


def held_by(buyer: str, quantity: int, batch: CreditBatch | None = None) -> CreditBatch:
    """A batch where ``buyer`` holds its ``quantity`` lowest serials, bought and settled."""
    batch = batch or new_batch()
    rid = uuid4()
    taken = batch.reserve_lowest(rid, buyer, quantity)
    batch.settle(rid, buyer, taken)
    return batch


# --- minting ---------------------------------------------------------------------------------


def test_a_new_batch_holds_every_serial_in_the_operators_inventory() -> None:
    batch = new_batch(1001, 1100)
    assert batch.pools == {AVAILABLE: BlockSet(blocks((1001, 1100)))}
    assert batch.totals() == {
        "minted": 100, "available": 100, "reserved": 0, "held": 0, "retired": 0, "cancelled": 0
    }
    assert batch.holders() == {} and batch.reserved_for == {} and batch.retired_by == {}


def test_minting_records_one_minted_event_carrying_the_issuance_document() -> None:
    batch = CreditBatch(
        id=uuid4(), reference="ART:X", source="LEAF", registry="ART", issuance_id="X",
        scope="ART-GY-2021", vintage=2021, serial_first=1, serial_last=10, operator=OPERATOR,
        document={"issuance_id": "X"},
    )
    [minted] = batch.collect_events()
    assert type(minted).__name__ == "Minted"
    assert minted.document == {"issuance_id": "X"}
    assert not hasattr(batch, "document")


# --- reserve ---------------------------------------------------------------------------------


def test_reserving_takes_the_lowest_available_serials() -> None:
    batch = new_batch()
    taken = batch.reserve_lowest(uuid4(), "acme", 10)
    assert taken == blocks((1, 10))
    assert list(batch.pools[RESERVED]) == blocks((1, 10))
    assert list(batch.pools[AVAILABLE]) == blocks((11, 100))
    assert batch.reserved_for == {"acme": 10}


def test_reserving_after_a_release_takes_the_freed_serials_first_across_blocks() -> None:
    batch = new_batch()
    first = uuid4()
    batch.reserve_lowest(first, "acme", 10)
    batch.reserve_lowest(uuid4(), "acme", 10)
    batch.release(first, "acme", blocks((3, 5)), expired=False)
    assert batch.reserve_lowest(uuid4(), "acme", 5) == blocks((3, 5), (21, 22))


def test_the_reserved_event_carries_the_exact_blocks_and_the_reservation() -> None:
    batch = new_batch()
    rid = uuid4()
    batch.reserve_lowest(rid, "acme", 7)
    reserved = batch.collect_events()[-1]
    assert type(reserved).__name__ == "Reserved"
    assert reserved.reservation_id == rid
    assert reserved.buyer == "acme"
    assert reserved.blocks == [[1, 7]]


def test_reserving_more_than_available_raises_insufficient_credits() -> None:
    batch = new_batch(1, 10)
    with pytest.raises(InsufficientCredits, match="expected at least 11 credits available"):
        batch.reserve_lowest(uuid4(), "acme", 11)


def test_a_refused_reservation_records_no_event_and_moves_nothing() -> None:
    batch = new_batch(1, 10)
    batch.collect_events()
    with pytest.raises(InsufficientCredits):
        batch.reserve_lowest(uuid4(), "acme", 11)
    assert batch.collect_events() == []
    assert batch.version == 1
    assert batch.pools == {AVAILABLE: BlockSet(blocks((1, 10)))}


# --- settle and release ----------------------------------------------------------------------


def test_settling_moves_the_reserved_blocks_to_the_buyer() -> None:
    batch = new_batch()
    rid = uuid4()
    taken = batch.reserve_lowest(rid, "acme", 10)
    batch.settle(rid, "acme", taken)
    assert list(batch.pools[f"{HELD}acme"]) == blocks((1, 10))
    assert RESERVED not in batch.pools
    assert batch.holders() == {"acme": 10}
    assert batch.held_total == 10
    assert batch.reserved_for == {}


def test_releasing_returns_the_blocks_to_the_inventory_merged_back_into_one() -> None:
    batch = new_batch()
    rid = uuid4()
    taken = batch.reserve_lowest(rid, "acme", 10)
    batch.release(rid, "acme", taken, expired=False)
    assert batch.pools == {AVAILABLE: BlockSet(blocks((1, 100)))}
    assert batch.reserved_for == {}


@pytest.mark.parametrize("expired", [False, True])
def test_the_released_event_records_whether_the_reservation_expired(expired: bool) -> None:
    batch = new_batch()
    rid = uuid4()
    batch.release(rid, "acme", batch.reserve_lowest(rid, "acme", 3), expired=expired)
    released = batch.collect_events()[-1]
    assert type(released).__name__ == "Released"
    assert released.expired is expired
    assert released.blocks == [[1, 3]]


def test_settling_part_of_a_reservation_splits_it_and_the_pieces_cover_it_exactly() -> None:
    batch = new_batch()
    rid = uuid4()
    batch.reserve_lowest(rid, "acme", 10)
    batch.settle(rid, "acme", blocks((3, 6)))
    reserved, held = list(batch.pools[RESERVED]), list(batch.pools[f"{HELD}acme"])
    assert reserved == blocks((1, 2), (7, 10))
    assert held == blocks((3, 6))
    assert sorted(serials_of(reserved + held)) == list(range(1, 11))
    assert batch.reserved_for == {"acme": 6}
    assert_partitioned(batch)


def test_settling_blocks_that_are_not_reserved_raises_and_records_nothing() -> None:
    batch = new_batch()
    rid = uuid4()
    batch.reserve_lowest(rid, "acme", 10)
    batch.collect_events()
    with pytest.raises(InsufficientCredits, match="expected blocks 50-60 to be reserved"):
        batch.settle(rid, "acme", blocks((50, 60)))
    assert batch.collect_events() == []
    assert batch.count(RESERVED) == 10 and batch.reserved_for == {"acme": 10}


def test_releasing_blocks_only_partly_reserved_raises_and_records_nothing() -> None:
    batch = new_batch()
    rid = uuid4()
    batch.reserve_lowest(rid, "acme", 10)
    batch.collect_events()
    with pytest.raises(InsufficientCredits, match="expected blocks 8-12 to be reserved"):
        batch.release(rid, "acme", blocks((8, 12)), expired=False)
    assert batch.collect_events() == []
    assert list(batch.pools[RESERVED]) == blocks((1, 10))


def test_settling_blocks_already_settled_raises() -> None:
    batch = new_batch()
    rid = uuid4()
    taken = batch.reserve_lowest(rid, "acme", 10)
    batch.settle(rid, "acme", taken)
    with pytest.raises(InsufficientCredits):
        batch.settle(rid, "acme", taken)


def test_releasing_with_nothing_reserved_raises() -> None:
    batch = new_batch()
    with pytest.raises(InsufficientCredits):
        batch.release(uuid4(), "acme", blocks((1, 1)), expired=True)


def test_releasing_the_same_block_twice_in_one_command_raises_and_changes_nothing() -> None:
    batch = new_batch()
    rid = uuid4()
    batch.reserve_lowest(rid, "acme", 10)
    with pytest.raises(InsufficientCredits):
        batch.release(rid, "acme", blocks((1, 5), (1, 5)), expired=False)
    assert list(batch.pools[RESERVED]) == blocks((1, 10))
    assert_tallies_agree(batch)


def test_reserved_for_counts_each_buyers_reserved_credits() -> None:
    batch = new_batch()
    acme, contoso = uuid4(), uuid4()
    batch.reserve_lowest(acme, "acme", 10)
    batch.reserve_lowest(contoso, "contoso", 5)
    batch.reserve_lowest(uuid4(), "acme", 2)
    assert batch.reserved_for == {"acme": 12, "contoso": 5}
    batch.settle(contoso, "contoso", blocks((11, 15)))
    assert batch.reserved_for == {"acme": 12}
    assert_tallies_agree(batch)


# --- transfer --------------------------------------------------------------------------------


def test_transferring_moves_the_senders_lowest_serials_to_the_recipient() -> None:
    batch = held_by("acme", 10)
    taken = batch.transfer_lowest(uuid4(), "acme", "contoso", 4)
    assert taken == blocks((1, 4))
    assert list(batch.pools[f"{HELD}contoso"]) == blocks((1, 4))
    assert list(batch.pools[f"{HELD}acme"]) == blocks((5, 10))
    assert batch.holders() == {"acme": 6, "contoso": 4}
    assert batch.held_total == 10


def test_transferring_from_the_operator_takes_from_the_inventory() -> None:
    batch = new_batch()
    assert batch.transfer_lowest(uuid4(), OPERATOR, "buffer", 5) == blocks((1, 5))
    assert list(batch.pools[AVAILABLE]) == blocks((6, 100))
    assert batch.holders() == {"buffer": 5}
    assert batch.held_total == 5


def test_transferring_to_the_operator_returns_credits_to_the_inventory() -> None:
    batch = held_by("acme", 10)
    batch.transfer_lowest(uuid4(), "acme", OPERATOR, 10)
    assert batch.pools == {AVAILABLE: BlockSet(blocks((1, 100)))}
    assert batch.holders() == {}
    assert batch.held_total == 0


def test_the_transferred_event_carries_sender_recipient_and_blocks() -> None:
    batch = held_by("acme", 10)
    tid = uuid4()
    batch.transfer_lowest(tid, "acme", "contoso", 4)
    moved = batch.collect_events()[-1]
    assert type(moved).__name__ == "Transferred"
    assert (moved.transfer_id, moved.sender, moved.recipient) == (tid, "acme", "contoso")
    assert moved.blocks == [[1, 4]]


def test_transferring_more_than_held_raises_insufficient_credits_and_records_nothing() -> None:
    batch = held_by("acme", 10)
    batch.collect_events()
    with pytest.raises(InsufficientCredits, match="expected at least 11 credits held by acme"):
        batch.transfer_lowest(uuid4(), "acme", "contoso", 11)
    assert batch.collect_events() == []
    assert batch.holders() == {"acme": 10}


def test_a_holder_with_no_credits_cannot_transfer() -> None:
    batch = new_batch()
    with pytest.raises(InsufficientCredits, match="found 0"):
        batch.transfer_lowest(uuid4(), "nobody", "contoso", 1)


def test_reserved_credits_cannot_be_transferred_from_the_inventory() -> None:
    batch = new_batch(1, 10)
    batch.reserve_lowest(uuid4(), "acme", 8)
    with pytest.raises(InsufficientCredits, match="found 2"):
        batch.transfer_lowest(uuid4(), OPERATOR, "buffer", 3)


# --- retire ----------------------------------------------------------------------------------


def test_retiring_takes_the_holders_lowest_serials() -> None:
    batch = held_by("acme", 10)
    assert batch.retire_lowest(uuid4(), "acme", 3) == blocks((1, 3))
    assert list(batch.pools[RETIRED]) == blocks((1, 3))
    assert list(batch.pools[f"{HELD}acme"]) == blocks((4, 10))
    assert batch.retired_by == {"acme": 3}
    assert batch.held_total == 7


def test_the_operator_retires_from_its_inventory() -> None:
    batch = new_batch()
    batch.retire_lowest(uuid4(), OPERATOR, 5)
    assert list(batch.pools[AVAILABLE]) == blocks((6, 100))
    assert batch.retired_by == {OPERATOR: 5}
    assert batch.held_total == 0


def test_a_holder_that_retires_everything_leaves_no_empty_pool() -> None:
    batch = held_by("acme", 10)
    batch.retire_lowest(uuid4(), "acme", 10)
    assert f"{HELD}acme" not in batch.pools
    assert batch.holders() == {}
    assert batch.retired_by == {"acme": 10}


def test_retiring_more_than_held_raises_insufficient_credits() -> None:
    batch = held_by("acme", 10)
    batch.collect_events()
    with pytest.raises(InsufficientCredits, match="expected at least 11 credits held by acme"):
        batch.retire_lowest(uuid4(), "acme", 11)
    assert batch.collect_events() == []
    assert batch.retired_by == {}


def test_retired_credits_cannot_be_retired_again() -> None:
    batch = held_by("acme", 10)
    batch.retire_lowest(uuid4(), "acme", 10)
    with pytest.raises(InsufficientCredits):
        batch.retire_lowest(uuid4(), "acme", 1)


# --- cancel ----------------------------------------------------------------------------------


def test_cancelling_takes_the_holders_lowest_serials_into_the_terminal_pool() -> None:
    batch = held_by("acme", 10)
    cid = uuid4()
    assert batch.cancel_lowest(cid, "acme", "compliance", 4) == blocks((1, 4))
    assert list(batch.pools[CANCELLED]) == blocks((1, 4))
    assert batch.cancelled_by == {"acme": 4} and batch.held_total == 6
    event = batch.pending_events[-1]
    assert type(event).__name__ == "Cancelled"
    assert (event.cancellation_id, event.holder, event.kind, event.blocks) == (
        cid, "acme", "compliance", [[1, 4]])


def test_the_operator_cancels_only_unreserved_inventory() -> None:
    batch = new_batch(1, 10)
    batch.reserve_lowest(uuid4(), "acme", 8)
    with pytest.raises(InsufficientCredits, match="found 2"):
        batch.cancel_lowest(uuid4(), OPERATOR, "correction", 3)
    assert batch.cancel_lowest(uuid4(), OPERATOR, "correction", 2) == blocks((9, 10))


def test_cancelled_credits_never_move_again() -> None:
    batch = held_by("acme", 10)
    batch.cancel_lowest(uuid4(), "acme", "other", 10)
    for move in (lambda: batch.retire_lowest(uuid4(), "acme", 1),
                 lambda: batch.transfer_lowest(uuid4(), "acme", "contoso", 1),
                 lambda: batch.cancel_lowest(uuid4(), "acme", "other", 1)):
        with pytest.raises(InsufficientCredits):
            move()
    assert batch.count(CANCELLED) == 10


# --- whole-batch consistency -----------------------------------------------------------------


def test_totals_conserve_the_minted_credits_after_every_command() -> None:
    batch = new_batch()
    acme, contoso = uuid4(), uuid4()
    commands = [
        lambda: batch.reserve_lowest(acme, "acme", 30),
        lambda: batch.reserve_lowest(contoso, "contoso", 20),
        lambda: batch.settle(acme, "acme", blocks((1, 25))),
        lambda: batch.release(acme, "acme", blocks((26, 30)), expired=True),
        lambda: batch.transfer_lowest(uuid4(), "acme", "buffer", 5),
        lambda: batch.retire_lowest(uuid4(), "acme", 12),
        lambda: batch.retire_lowest(uuid4(), OPERATOR, 7),
        lambda: batch.settle(contoso, "contoso", blocks((31, 50))),
        lambda: batch.cancel_lowest(uuid4(), "contoso", "compliance", 6),
        lambda: batch.cancel_lowest(uuid4(), OPERATOR, "correction", 3),
    ]
    for command in commands:
        command()
        assert_conserved(batch)
        assert_partitioned(batch)
        assert_tallies_agree(batch)
    assert batch.totals() == {
        "minted": 100, "available": 45, "reserved": 0, "held": 27, "retired": 19,
        "cancelled": 9,
    }


def test_replaying_the_collected_events_rebuilds_the_same_batch() -> None:
    batch = held_by("acme", 20)
    rid = uuid4()
    batch.reserve_lowest(rid, "contoso", 10)
    batch.release(rid, "contoso", blocks((21, 25)), expired=False)
    batch.transfer_lowest(uuid4(), "acme", "buffer", 4)
    batch.retire_lowest(uuid4(), "acme", 6)
    batch.cancel_lowest(uuid4(), "acme", "buffer", 3)
    events = batch.collect_events()
    replayed = replay(events)
    assert replayed.pools == batch.pools
    assert replayed == batch


# --- property --------------------------------------------------------------------------------

HOLDERS = (OPERATOR, "acme", "contoso", "buffer")

commands = st.lists(
    st.tuples(
        st.sampled_from(["reserve", "settle", "settle", "release", "transfer", "retire",
                         "cancel"]),
        st.integers(0, 3),
        st.integers(0, 3),
        st.integers(1, 15),
    ),
    min_size=5,
    max_size=30,
)


@settings(max_examples=100, deadline=None)
@given(first=st.integers(0, 1000), size=st.integers(10, 60), ops=commands)
def test_any_sequence_of_commands_keeps_every_serial_in_exactly_one_pool(
    first: int, size: int, ops: list[tuple[str, int, int, int]]
) -> None:
    """Invariants: minted = available + reserved + held + retired + cancelled, and the pools
    partition
    [serial_first, serial_last]. Senders are mostly holders with credits, so transfers and
    retirements happen; quantities are random, so some commands are refused (and record
    nothing)."""
    batch = new_batch(first, first + size - 1)
    open_: list[tuple[UUID, str, list[SerialRange]]] = []
    for name, i, j, n in ops:
        holding = [OPERATOR, *sorted(batch.holders())]
        sender, recipient = holding[i % len(holding)], HOLDERS[j]
        before = (batch.version, len(batch.pending_events))
        try:
            if name == "reserve":
                rid = uuid4()
                open_.append((rid, recipient, batch.reserve_lowest(rid, recipient, n)))
            elif name in ("settle", "release") and open_:
                rid, buyer, taken = open_.pop(n % len(open_))
                if name == "settle":
                    batch.settle(rid, buyer, taken)
                else:
                    batch.release(rid, buyer, taken, expired=bool(n % 2))
            elif name == "transfer":
                batch.transfer_lowest(uuid4(), sender, recipient, n)
            elif name == "retire":
                batch.retire_lowest(uuid4(), sender, n)
            elif name == "cancel":
                batch.cancel_lowest(uuid4(), sender, "other", n)
        except InsufficientCredits:
            assert (batch.version, len(batch.pending_events)) == before
        assert_conserved(batch)
        assert_partitioned(batch)
        assert_tallies_agree(batch)
    assert sorted(serials_of(r for _, _, taken in open_ for r in taken)) == serials_of(
        batch.pools.get(RESERVED, BlockSet())
    )
    assert replay(batch.collect_events()) == batch
