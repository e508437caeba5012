"""The ledger's event store as the reconciliation sees it: batches, blocks and their states.

Batches are read one at a time, when the comparison asks for them; nothing here holds the whole
ledger's serials. Only each batch's minted range is kept for every batch (the index that answers
which batches exist and which overlap), read from its ``Minted`` event, which never changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol
from uuid import UUID
from weakref import WeakValueDictionary

from eventsourcing.utils import get_topic

from ledger import ids, topics
from ledger.aggregates.batch import CreditBatch
from ledger.aggregates.catalogue import Catalogue
from ledger.errors import BatchNotFound, RetirementNotFound
from ledger.reconcile.ledger_side import BlockState, LedgerBatch, LedgerBlock, MemoryLedgerSide
from ledger.reconcile.ranges import coalesce
from ledger.serials.pools import CANCELLED, RETIRED
from ledger.store.events import EventStore

_State = tuple[BlockState, str | None]


class Reads(Protocol):
    """What the reconciliation reads from an open ledger (a unit of work): verified batches,
    the catalogue of batches, and the store's events."""

    @property
    def events(self) -> EventStore: ...

    def load_batch(self, batch: str) -> CreditBatch: ...

    def load_catalogue(self) -> Catalogue: ...


class StoreLedgerSide:
    """A :class:`~ledger.reconcile.ledger_side.LedgerSide` over the ledger's event store.

    A block is ``active`` while available, reserved or held, ``cancelled`` once cancelled,
    and ``retired`` with the beneficiary of the retirement that retired its serials.
    ``loaded`` is called with the number of batches read so far, for progress.
    """

    def __init__(self, ledger: Reads, loaded: Callable[[int], None] | None = None) -> None:
        self._ledger = ledger
        self._loaded = loaded
        self._batches_read = 0
        self._minted: MemoryLedgerSide | None = None
        # A batch the comparison still holds is not read again; one it let go of is freed.
        self._in_use: WeakValueDictionary[str, LedgerBatch] = WeakValueDictionary()

    def batch(self, batch_ref: str) -> LedgerBatch | None:
        """The batch minted under ``batch_ref`` with its blocks' current states, if any."""
        if self._index().batch(batch_ref) is None:
            return None
        found = self._in_use.get(batch_ref)
        if found is None:
            found = self._read(batch_ref)
            self._in_use[batch_ref] = found
        return found

    def batch_refs(self, registry: str) -> Iterable[str]:
        """References of every batch minted from ``registry``."""
        return self._index().batch_refs(registry)

    def overlapping(self, scope: str, first: int, last: int) -> Iterable[LedgerBatch]:
        """Batches in ``scope`` sharing a serial with ``first..last``."""
        for minted in self._index().overlapping(scope, first, last):
            found = self.batch(minted.batch_ref)
            if found is not None:
                yield found

    def _index(self) -> MemoryLedgerSide:
        # The minted ranges as one-block batches: the in-memory side's search is the index,
        # the states always come from the store.
        if self._minted is None:
            self._minted = MemoryLedgerSide(
                self._minted_range(ref) for ref in self._ledger.load_catalogue().references()
            )
        return self._minted

    def _minted_range(self, ref: str) -> LedgerBatch:
        events: Iterable[Any] = self._ledger.events.history(ids.batch_id(ref), lte=1)
        for minted in events:
            first, last = minted.serial_first, minted.serial_last
            block = LedgerBlock(first, last, "active")
            return LedgerBatch(ref, minted.registry, minted.scope, first, last, (block,))
        raise BatchNotFound(
            f"batch {ref}: expected the Minted event the catalogue names, found none"
        )

    def _read(self, ref: str) -> LedgerBatch:
        batch = self._ledger.load_batch(ref)
        pieces: list[tuple[int, int, _State]] = [
            (serials.first, serials.last, ("cancelled" if pool == CANCELLED else "active", None))
            for pool, blocks in batch.pools.items()
            if pool != RETIRED
            for serials in blocks
        ]
        pieces += self._retired(batch)
        pieces.sort(key=lambda piece: piece[0])
        blocks = tuple(
            LedgerBlock(first, last, state, beneficiary)
            for first, last, (state, beneficiary) in coalesce(pieces)
        )
        self._batches_read += 1
        if self._loaded is not None:
            self._loaded(self._batches_read)
        return LedgerBatch(
            ref, batch.registry, batch.scope, batch.serial_first, batch.serial_last, blocks
        )

    def _retired(self, batch: CreditBatch) -> list[tuple[int, int, _State]]:
        """The retired serials, each with its retirement's beneficiary.

        Only the batch's ``Retired`` events say which retirement took which serials. Reading
        them up to the version just loaded makes them cover the retired pool exactly, even
        while others keep retiring; each retirement is read once, for its beneficiary.
        """
        beneficiaries: dict[UUID, str] = {}
        retired: list[Any] = []
        reverted: set[UUID] = set()  # pending retirements undone: their serials went back
        events: Iterable[Any] = self._ledger.events.history(batch.id, lte=batch.version)
        for event in events:
            topic = get_topic(type(event))
            if topic == topics.BATCH_RETIRED:
                retired.append(event)
            elif topic == topics.BATCH_RETIREMENT_REVERTED:
                reverted.add(event.retirement_id)
        pieces: list[tuple[int, int, _State]] = []
        for event in retired:
            retirement_id: UUID = event.retirement_id
            if retirement_id in reverted:
                continue
            if retirement_id not in beneficiaries:
                beneficiaries[retirement_id] = self._beneficiary(batch, retirement_id)
            state: _State = ("retired", beneficiaries[retirement_id])
            pieces += [(first, last, state) for first, last in event.blocks]
        return pieces

    def _beneficiary(self, batch: CreditBatch, retirement_id: UUID) -> str:
        # The beneficiary is in the Recorded event, or in a Revealed one when it was hidden:
        # reading the retirement's few events is enough, without the aggregate cache's
        # copying.
        recorded: list[Any] = list(self._ledger.events.history(retirement_id, lte=2**31))
        if not recorded or get_topic(type(recorded[0])) != topics.RETIREMENT_RECORDED:
            raise RetirementNotFound(
                f"batch {batch.reference}: expected the retirement {retirement_id} its Retired "
                "event names, found none"
            )
        beneficiary: str = recorded[0].beneficiary
        for later in recorded[1:]:  # a hidden beneficiary, revealed
            if get_topic(type(later)) == topics.RETIREMENT_REVEALED:
                beneficiary = later.beneficiary
        return beneficiary
