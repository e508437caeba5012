"""Serial ranges and block sets: splitting, merging, and exact accounting."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.serials import BlockSet, SerialRange


def test_a_range_knows_its_count() -> None:
    assert SerialRange(10, 19).count == 10


@pytest.mark.parametrize(("first", "last"), [(5, 4), (-1, 3)])
def test_a_range_refuses_last_before_first_or_negative_serials(first: int, last: int) -> None:
    with pytest.raises(ValueError):
        SerialRange(first, last)


def test_removing_the_middle_of_a_block_splits_it_into_two_pieces() -> None:
    blocks = BlockSet([SerialRange(1, 100)])
    blocks.remove(SerialRange(40, 59))
    assert list(blocks) == [SerialRange(1, 39), SerialRange(60, 100)]
    assert blocks.count == 80


def test_adding_a_block_between_two_merges_all_three() -> None:
    blocks = BlockSet([SerialRange(1, 39), SerialRange(60, 100)])
    blocks.add(SerialRange(40, 59))
    assert list(blocks) == [SerialRange(1, 100)]


def test_adding_an_overlapping_block_is_refused() -> None:
    blocks = BlockSet([SerialRange(1, 10)])
    with pytest.raises(ValueError):
        blocks.add(SerialRange(10, 12))


def test_removing_serials_not_in_the_set_is_refused() -> None:
    blocks = BlockSet([SerialRange(1, 10), SerialRange(20, 30)])
    with pytest.raises(ValueError):
        blocks.remove(SerialRange(9, 21))


def test_taking_the_lowest_spans_blocks_without_changing_the_set() -> None:
    blocks = BlockSet([SerialRange(1, 3), SerialRange(10, 20)])
    assert blocks.take_lowest(5) == [SerialRange(1, 3), SerialRange(10, 11)]
    assert blocks.count == 14


def test_overlapping_reports_only_the_shared_serials() -> None:
    blocks = BlockSet([SerialRange(1, 10), SerialRange(20, 30)])
    assert blocks.overlapping(SerialRange(5, 25)) == [SerialRange(5, 10), SerialRange(20, 25)]


operations = st.lists(
    st.tuples(st.sampled_from(["take", "give"]), st.integers(1, 40)), max_size=60
)


@settings(max_examples=200, deadline=None)
@given(operations)
def test_moving_blocks_between_two_sets_matches_a_set_of_serials(
    ops: list[tuple[str, int]],
) -> None:
    """Invariant: the pieces always cover the parent exactly: no overlap, same count."""
    left, right = BlockSet([SerialRange(0, 499)]), BlockSet()
    model_left, model_right = set(range(500)), set()
    for op, n in ops:
        source, target, m_source, m_target = (
            (left, right, model_left, model_right)
            if op == "take"
            else (right, left, model_right, model_left)
        )
        n = min(n, source.count)
        if not n:
            continue
        moved = source.take_lowest(n)
        expected = sorted(m_source)[:n]
        assert [s for r in moved for s in range(r.first, r.last + 1)] == expected
        for r in moved:
            source.remove(r)
            target.add(r)
        m_source.difference_update(expected)
        m_target.update(expected)
        for blocks, model in ((left, model_left), (right, model_right)):
            assert {s for r in blocks for s in range(r.first, r.last + 1)} == model
            assert blocks.count == len(model)
            ranges = list(blocks)
            assert all(a.last + 1 < b.first for a, b in itertools.pairwise(ranges))
