"""The ledger as the reconciliation sees it, independent of how the ledger stores events.

The core implements :class:`LedgerSide` over its event store; :class:`MemoryLedgerSide` holds
batches in memory for tests and benchmarks.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import accumulate
from typing import Literal, Protocol

BlockState = Literal["active", "retired", "cancelled"]


@dataclass(frozen=True)
class LedgerBlock:
    """Serials ``first..last`` (inclusive) of a batch in one state.

    ``active`` covers available, reserved and held credits; ``beneficiary`` names whom a retired
    block was retired for; ``cancelled`` blocks were cancelled (no beneficiary).
    """

    first: int
    last: int
    state: BlockState
    beneficiary: str | None = None

    def __post_init__(self) -> None:
        if self.first > self.last:
            raise ValueError(f"expected first <= last, found {self.first} > {self.last}")


@dataclass(frozen=True)
class LedgerBatch:
    """A minted batch: its registry serial range in ``scope`` and the blocks that cover it.

    ``scope`` is :func:`ledger.serials.native.serial_scope` of the batch's native serial.
    The blocks, in serial order, cover ``first..last`` exactly: contiguous, no overlap.
    """

    batch_ref: str
    registry: str
    scope: str
    first: int
    last: int
    blocks: tuple[LedgerBlock, ...]

    def __post_init__(self) -> None:
        expected_next = self.first
        for block in self.blocks:
            if block.first != expected_next:
                raise ValueError(f"expected a block starting at {expected_next}, found {block}")
            expected_next = block.last + 1
        if expected_next != self.last + 1:
            found = expected_next - 1
            raise ValueError(f"expected blocks to end at {self.last}, found the end at {found}")

    @property
    def quantity(self) -> int:
        """Credits minted in the batch (serials in its range)."""
        return self.last - self.first + 1


class LedgerSide(Protocol):
    """What the reconciliation asks of the ledger."""

    def batch(self, batch_ref: str) -> LedgerBatch | None:
        """The batch minted under ``batch_ref`` (e.g. ``ART:ART102-2021-11``), if any."""
        ...

    def batch_refs(self, registry: str) -> Iterable[str]:
        """References of every batch minted from ``registry`` (e.g. ``ART``)."""
        ...

    def overlapping(self, scope: str, first: int, last: int) -> Iterable[LedgerBatch]:
        """Batches in ``scope`` whose serial range shares a serial with ``first..last``."""
        ...


class MemoryLedgerSide:
    """A :class:`LedgerSide` over batches held in memory."""

    def __init__(self, batches: Iterable[LedgerBatch]) -> None:
        self._batches = {batch.batch_ref: batch for batch in batches}
        by_scope: dict[str, list[LedgerBatch]] = defaultdict(list)
        for batch in self._batches.values():
            by_scope[batch.scope].append(batch)
        self._scopes = {scope: _ScopeIndex(found) for scope, found in by_scope.items()}

    def batch(self, batch_ref: str) -> LedgerBatch | None:
        """The batch minted under ``batch_ref``, if any."""
        return self._batches.get(batch_ref)

    def batch_refs(self, registry: str) -> Iterable[str]:
        """References of every batch minted from ``registry``."""
        return [ref for ref, batch in self._batches.items() if batch.registry == registry]

    def overlapping(self, scope: str, first: int, last: int) -> Iterable[LedgerBatch]:
        """Batches in ``scope`` sharing a serial with ``first..last``."""
        index = self._scopes.get(scope)
        return [] if index is None else list(index.overlapping(first, last))


class _ScopeIndex:
    """Batches of one scope sorted by first serial, with the running maximum of last serials.

    The running maximum lets a search walk back from the query's end and stop as soon as no
    earlier batch can reach the query's start.
    """

    def __init__(self, batches: list[LedgerBatch]) -> None:
        self._batches = sorted(batches, key=lambda batch: (batch.first, batch.last))
        self._firsts = [batch.first for batch in self._batches]
        self._reach = list(accumulate((batch.last for batch in self._batches), max))

    def overlapping(self, first: int, last: int) -> Iterator[LedgerBatch]:
        at = bisect_right(self._firsts, last) - 1
        while at >= 0 and self._reach[at] >= first:
            if self._batches[at].last >= first:
                yield self._batches[at]
            at -= 1
