"""Range arithmetic agrees with plain set arithmetic on the serials, whatever the ranges."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from ledger.reconcile.compare import LedgerBatch, LedgerBlock, MemoryLedgerSide, reconcile
from ledger.reconcile.ledger_side import BlockState
from ledger.reconcile.ranges import Range, merge, overlay, subtract
from ledger.reconcile.records import RegistryRecord

SERIALS = 60
STATES: list[tuple[BlockState, str | None]] = [
    ("active", None),
    ("retired", "Contoso Ltd"),
    ("retired", "Northwind Traders"),
]


def serials(ranges: list[Range] | tuple[Range, ...]) -> set[int]:
    return {serial for first, last in ranges for serial in range(first, last + 1)}


@st.composite
def disjoint_ranges(draw: st.DrawFn, low: int = 0, high: int = SERIALS) -> list[Range]:
    """Sorted, non-overlapping (possibly touching) ranges within ``low..high``."""
    points = sorted(draw(st.sets(st.integers(low, high + 1), max_size=12)))
    return [(points[i], points[i + 1] - 1) for i in range(0, len(points) - 1, 2)]


any_ranges = st.lists(st.tuples(st.integers(0, SERIALS), st.integers(0, 8)), max_size=10).map(
    lambda pairs: [(first, first + length) for first, length in pairs]
)


@given(any_ranges)
def test_merging_keeps_exactly_the_serials_in_sorted_disjoint_ranges(ranges: list[Range]) -> None:
    merged = merge(ranges)
    assert serials(merged) == serials(ranges)
    assert all(a[1] + 1 < b[0] for a, b in pairwise(merged))


@given(any_ranges, any_ranges)
def test_subtracting_keeps_the_serials_of_the_first_side_not_in_the_second(
    kept: list[Range], holes: list[Range]
) -> None:
    assert serials(subtract(kept, holes)) == serials(kept) - serials(holes)


@given(disjoint_ranges(), disjoint_ranges())
def test_overlaying_labels_each_serial_with_the_side_or_sides_holding_it(
    left: list[Range], right: list[Range]
) -> None:
    labelled_left = [(first, last, "L") for first, last in left]
    labelled_right = [(first, last, "R") for first, last in right]
    pieces = list(overlay(labelled_left, labelled_right))
    for side, label in ((left, "L"), (right, "R")):
        held = [(first, last) for first, last, *labels in pieces if label in labels]
        assert serials(held) == serials(side)
    covered = sum(last - first + 1 for first, last, _, _ in pieces)
    assert covered == len(serials(left) | serials(right))


def _records(ranges: list[Range], states: list[int]) -> list[RegistryRecord]:
    return [
        RegistryRecord(
            registry="ART",
            batch_ref="ART:ART1-2020-1",
            scope="ART-XX-1-2020-1",
            first=first,
            last=last,
            quantity=last - first + 1,
            status=STATES[state][0],
            beneficiary=STATES[state][1],
            retired_on=None,
            reason=None,
            serial_verbatim=None,
            source="export.csv",
            row=number + 2,
            lists_all_serials=True,
        )
        for number, ((first, last), state) in enumerate(zip(ranges, states, strict=False))
    ]


@st.composite
def ledger_batch(draw: st.DrawFn) -> LedgerBatch:
    first = draw(st.integers(0, SERIALS))
    last = draw(st.integers(first, SERIALS))
    cuts = sorted(draw(st.sets(st.integers(first + 1, last), max_size=5))) if last > first else []
    bounds = [first, *cuts, last + 1]
    blocks = []
    for start, stop in pairwise(bounds):
        state, beneficiary = STATES[draw(st.integers(0, len(STATES) - 1))]
        blocks.append(LedgerBlock(start, stop - 1, state, beneficiary))
    return LedgerBatch("ART:ART1-2020-1", "ART", "ART-XX-1-2020-1", first, last, tuple(blocks))


def _state_at(
    serial: int, pieces: Sequence[tuple[int, int, tuple[str, str | None]]]
) -> tuple[str, str | None]:
    return next(state for first, last, state in pieces if first <= serial <= last)


@given(
    ledger_batch(),
    disjoint_ranges().filter(bool),
    st.lists(st.integers(0, len(STATES) - 1), min_size=8, max_size=8),
)
def test_the_serials_reported_as_differing_are_the_symmetric_difference_of_both_sides(
    batch: LedgerBatch, registry_ranges: list[Range], states: list[int]
) -> None:
    report = reconcile(_records(registry_ranges, states), MemoryLedgerSide([batch]))
    mismatches = [d for d in report.differences if d.kind == "serial_mismatch"]
    registry_only = serials([r for d in mismatches for r in d.registry.ranges])
    ledger_only = serials([r for d in mismatches for r in d.ledger.ranges])
    on_registry = serials(registry_ranges)
    on_ledger = serials([(batch.first, batch.last)])
    assert registry_only == on_registry - on_ledger
    assert ledger_only == on_ledger - on_registry


@given(
    ledger_batch(),
    disjoint_ranges().filter(bool),
    st.lists(st.integers(0, len(STATES) - 1), min_size=8, max_size=8),
)
def test_the_serials_reported_in_another_state_are_those_both_sides_hold_differently(
    batch: LedgerBatch, registry_ranges: list[Range], states: list[int]
) -> None:
    report = reconcile(_records(registry_ranges, states), MemoryLedgerSide([batch]))
    reported = serials(
        [
            r
            for d in report.differences
            if d.kind in ("status_mismatch", "beneficiary_mismatch")
            for r in d.ledger.ranges
        ]
    )
    registry_pieces = [
        (first, last, STATES[state])
        for (first, last), state in zip(registry_ranges, states, strict=False)
    ]
    ledger_pieces = [
        (b.first, b.last, (b.state, b.beneficiary if b.state != "active" else None))
        for b in batch.blocks
    ]
    shared = serials(registry_ranges) & serials([(batch.first, batch.last)])
    differing = {s for s in shared if _state_at(s, registry_pieces) != _state_at(s, ledger_pieces)}
    assert reported == differing
