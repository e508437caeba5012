"""Serial ranges and block sets: the exact accounting of which serials are where.

A :class:`SerialRange` is an inclusive ``[first, last]`` block of serial numbers. A
:class:`BlockSet` is a set of serials kept as sorted, disjoint, non-adjacent ranges, so that
taking, removing and adding blocks costs O(log n) searches plus a small list edit, never a scan
of the whole batch.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class SerialRange:
    """An inclusive block of serial numbers; refuses ``first > last`` and negative serials."""

    first: int
    last: int

    def __post_init__(self) -> None:
        if isinstance(self.first, bool) or isinstance(self.last, bool):
            raise ValueError("serials must be integers")
        if self.first < 0:
            raise ValueError(f"serial_first must be >= 0, found {self.first}")
        if self.first > self.last:
            raise ValueError(
                f"serial_last must be >= serial_first ({self.first}), found {self.last}"
            )

    @property
    def count(self) -> int:
        return self.last - self.first + 1

    def overlaps(self, other: SerialRange) -> bool:
        return self.first <= other.last and other.first <= self.last

    def to_list(self) -> list[int]:
        return [self.first, self.last]

    def __str__(self) -> str:
        return f"{self.first}-{self.last}"


def ranges_from_lists(pairs: Iterable[Sequence[int]]) -> list[SerialRange]:
    return [SerialRange(int(p[0]), int(p[1])) for p in pairs]


def ranges_to_lists(ranges: Iterable[SerialRange]) -> list[list[int]]:
    return [r.to_list() for r in ranges]


def total(ranges: Iterable[SerialRange]) -> int:
    return sum(r.count for r in ranges)


class BlockSet:
    """A set of serials as sorted, disjoint, non-adjacent inclusive ranges."""

    __slots__ = ("_count", "_firsts", "_lasts")

    def __init__(self, ranges: Iterable[SerialRange] = ()) -> None:
        self._firsts: list[int] = []
        self._lasts: list[int] = []
        self._count = 0
        for r in ranges:
            self.add(r)

    @property
    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return len(self._firsts)

    def __iter__(self) -> Iterator[SerialRange]:
        return (SerialRange(f, la) for f, la in zip(self._firsts, self._lasts, strict=True))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BlockSet):
            return NotImplemented
        return self._firsts == other._firsts and self._lasts == other._lasts

    def __repr__(self) -> str:
        return f"BlockSet({', '.join(str(r) for r in self)})"

    def __deepcopy__(self, memo: dict[int, object]) -> BlockSet:
        copied = BlockSet()
        copied._firsts, copied._lasts = list(self._firsts), list(self._lasts)
        copied._count = self._count
        return copied

    def contains(self, r: SerialRange) -> bool:
        """True when every serial of ``r`` is in the set."""
        i = bisect_right(self._firsts, r.first) - 1
        return i >= 0 and self._lasts[i] >= r.last

    def overlapping(self, r: SerialRange) -> list[SerialRange]:
        """The parts of the set that fall inside ``r``."""
        i = max(bisect_right(self._firsts, r.first) - 1, 0)
        found: list[SerialRange] = []
        while i < len(self._firsts) and self._firsts[i] <= r.last:
            lo, hi = max(self._firsts[i], r.first), min(self._lasts[i], r.last)
            if lo <= hi:
                found.append(SerialRange(lo, hi))
            i += 1
        return found

    def take_lowest(self, quantity: int) -> list[SerialRange]:
        """The ``quantity`` lowest serials, as blocks; does not change the set."""
        if quantity > self._count:
            raise ValueError(f"only {self._count} serials in the set, asked for {quantity}")
        taken: list[SerialRange] = []
        remaining = quantity
        for first, last in zip(self._firsts, self._lasts, strict=True):
            if remaining == 0:
                break
            end = min(last, first + remaining - 1)
            taken.append(SerialRange(first, end))
            remaining -= end - first + 1
        return taken

    def add(self, r: SerialRange) -> None:
        """Add a block that shares no serial with the set, merging with adjacent blocks."""
        i = bisect_left(self._firsts, r.first)
        if (i > 0 and self._lasts[i - 1] >= r.first) or (
            i < len(self._firsts) and self._firsts[i] <= r.last
        ):
            raise ValueError(f"block {r} overlaps serials already in the set")
        first, last = r.first, r.last
        merge_left = i > 0 and self._lasts[i - 1] == first - 1
        merge_right = i < len(self._firsts) and self._firsts[i] == last + 1
        if merge_left and merge_right:
            self._lasts[i - 1] = self._lasts[i]
            del self._firsts[i], self._lasts[i]
        elif merge_left:
            self._lasts[i - 1] = last
        elif merge_right:
            self._firsts[i] = first
        else:
            self._firsts.insert(i, first)
            self._lasts.insert(i, last)
        self._count += r.count

    def remove(self, r: SerialRange) -> None:
        """Remove a block whose every serial is in the set, splitting the block it sits in."""
        i = bisect_right(self._firsts, r.first) - 1
        if i < 0 or self._lasts[i] < r.last:
            raise ValueError(f"block {r} is not wholly in the set")
        first, last = self._firsts[i], self._lasts[i]
        pieces = [(first, r.first - 1), (r.last + 1, last)]
        kept = [(f, la) for f, la in pieces if f <= la]
        self._firsts[i : i + 1] = [f for f, _ in kept]
        self._lasts[i : i + 1] = [la for _, la in kept]
        self._count -= r.count

    def to_lists(self) -> list[list[int]]:
        return [[f, la] for f, la in zip(self._firsts, self._lasts, strict=True)]

    @classmethod
    def from_lists(cls, pairs: Iterable[Sequence[int]]) -> BlockSet:
        return cls(ranges_from_lists(pairs))
