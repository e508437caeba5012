"""Inclusive serial ranges ``(first, last)``: union, and labelled sequences laid over each other.

Inputs to :func:`overlay` and :func:`coalesce` are sorted and non-overlapping; everything here is
linear in the number of ranges, never in the number of serials.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import pairwise
from typing import TypeVar

Range = tuple[int, int]
A = TypeVar("A")
B = TypeVar("B")
K = TypeVar("K")


def merge(ranges: Iterable[Range]) -> list[Range]:
    """The union of ``ranges``, sorted, with overlapping or adjacent ranges joined."""
    merged: list[Range] = []
    for first, last in sorted(ranges):
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def count(ranges: Iterable[Range]) -> int:
    """How many serials the (non-overlapping) ``ranges`` hold."""
    return sum(last - first + 1 for first, last in ranges)


def coalesce(pieces: Iterable[tuple[int, int, K]]) -> list[tuple[int, int, K]]:
    """Join sorted pieces that touch and carry equal labels."""
    joined: list[tuple[int, int, K]] = []
    for first, last, label in pieces:
        if joined and joined[-1][1] + 1 == first and joined[-1][2] == label:
            joined[-1] = (joined[-1][0], last, label)
        else:
            joined.append((first, last, label))
    return joined


def overlay(
    left: Sequence[tuple[int, int, A]], right: Sequence[tuple[int, int, B]]
) -> Iterator[tuple[int, int, A | None, B | None]]:
    """Cut both sequences at every boundary; yield each piece with its label on either side.

    Pieces covered by neither side are skipped; ``None`` marks the side that lacks a piece.
    """
    cuts = sorted({point for first, last, _ in (*left, *right) for point in (first, last + 1)})
    i = j = 0
    for start, stop in pairwise(cuts):
        while i < len(left) and left[i][1] < start:
            i += 1
        while j < len(right) and right[j][1] < start:
            j += 1
        on_left = left[i][2] if i < len(left) and left[i][0] <= start else None
        on_right = right[j][2] if j < len(right) and right[j][0] <= start else None
        if on_left is not None or on_right is not None:
            yield start, stop - 1, on_left, on_right


def subtract(ranges: Iterable[Range], holes: Iterable[Range]) -> list[Range]:
    """The serials of ``ranges`` that are in none of ``holes``, as merged ranges."""
    left = merge(ranges)
    cut = merge(holes)
    kept: list[Range] = []
    j = 0
    for first, last in left:
        start = first
        while j < len(cut) and cut[j][1] < start:
            j += 1
        k = j
        while k < len(cut) and cut[k][0] <= last:
            if cut[k][0] > start:
                kept.append((start, cut[k][0] - 1))
            start = max(start, cut[k][1] + 1)
            k += 1
        if start <= last:
            kept.append((start, last))
    return kept
