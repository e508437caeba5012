"""The store's signed events, through eventsourcing: every write signed, every read verified.

:class:`EventStore` is an eventsourcing ``Application`` used as a repository: it loads and
saves aggregates through the :class:`~ledger.signing.mapper.SigningMapper`, snapshots the
aggregates that grow with every operation, and keeps what it just saved as the recorded state.
Use cases never hold it directly: a :class:`~ledger.usecases.unit.UnitOfWork` composes it.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import Aggregate, OriginatorVersionError
from eventsourcing.persistence import Mapper, ProgrammingError, RecordConflictError

from ledger.aggregates.batch import CreditBatch
from ledger.aggregates.catalogue import Catalogue
from ledger.aggregates.serial_scope import SerialScope
from ledger.aggregates.snapshot import LedgerSnapshot
from ledger.errors import ChainBroken, LedgerError
from ledger.ids import as_uuid
from ledger.signing.keys import Keyring
from ledger.signing.mapper import SigningMapper
from ledger.store.key_guard import KeyGuard, dialect, first_column
from ledger.store.location import PG_TCP_SETTINGS, StoreLocation
from ledger.store.synced import SyncedHeads

A = TypeVar("A", bound=Aggregate)
POOL_CLOSE_S = 0.5
ABSENT_BATCH = 500
"""Ids asked about in one statement (SQLite allows 999 parameters)."""


class EventStore(Application[UUID]):
    """Signed aggregates in the store: load (verified), find, save (signed), snapshot."""

    name = "Ledger"
    # Aggregates that grow with every operation are snapshotted, so a cold load verifies a
    # snapshot and at most this many events; a warm process fast-forwards its cache.
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {
        CreditBatch: 50,
        SerialScope: 50,
        Catalogue: 50,
    }
    # Loads hand out the cached aggregate itself, not a deep copy (a fifth of a single
    # operation's time): the unit of work evicts whatever an attempt loaded when the attempt
    # does not end in a save, so no half-decided state outlives it (:meth:`evict`).
    env: ClassVar[dict[str, str]] = {"AGGREGATE_CACHE_MAXSIZE": "1000",
                                     "DEEPCOPY_FROM_AGGREGATE_CACHE": "n"}

    def __init__(self, env: dict[str, str], keyring: Keyring) -> None:
        self.keyring = keyring
        super().__init__(env)
        if isinstance(self.mapper, SigningMapper):
            self.mapper.recorder = self.recorder
        self._absent: set[UUID] = set()
        self.synced = SyncedHeads()
        self.guard = KeyGuard()
        """What every save checks inside its transaction: no key out of force signs."""
        self.guard.install(self.recorder)

    def construct_factory(self, env: Any) -> Any:
        """On PostgreSQL, TCP keepalives and bounded waits (:mod:`ledger.store.bounded`) on
        the library's connection pool too."""
        factory = super().construct_factory(env)
        pool = getattr(getattr(factory, "datastore", None), "pool", None)
        # psycopg_pool is imported only on PostgreSQL (by eventsourcing.postgres): SQLite
        # commands never load psycopg.
        pools = sys.modules.get("psycopg_pool")
        if pools is not None and isinstance(pool, pools.ConnectionPool) \
                and isinstance(pool.kwargs, dict):
            from ledger.store.bounded import bound_pool

            pool.kwargs.update(PG_TCP_SETTINGS)
            bound_pool(pool)
        return factory

    def close(self) -> None:
        """Close the store. On PostgreSQL the pool's workers get half a second, not the
        pool's default five: a worker still connecting to a server that stopped answering
        would otherwise hold the command's exit."""
        pool = getattr(getattr(self.factory, "datastore", None), "pool", None)
        pools = sys.modules.get("psycopg_pool")
        if pools is not None and isinstance(pool, pools.ConnectionPool):
            pool.close(timeout=POOL_CLOSE_S)
        super().close()

    def construct_mapper(self) -> Mapper[UUID]:
        return SigningMapper(transcoder=self.factory.transcoder(), keyring=self.keyring)

    @property
    def signing(self) -> SigningMapper:
        """The mapper every event passes through."""
        assert isinstance(self.mapper, SigningMapper)
        return self.mapper

    def use_keyring(self, keyring: Keyring) -> None:
        """Sign and verify with ``keyring`` from now on (after a key rotation)."""
        self.keyring = keyring
        self.signing.keyring = keyring

    def load(self, kind: type[A], aggregate_id: UUID, missing: LedgerError) -> A:
        """Load and verify an aggregate, or raise ``missing`` (a NotFound). Inside an attempt
        to save, a cached aggregate known current is used without asking the store
        (:mod:`ledger.store.synced`)."""
        cache = self.repository.cache
        if self.synced.current(aggregate_id) and cache is not None:
            with contextlib.suppress(KeyError):
                cached = cache.get(aggregate_id)
                if isinstance(cached, kind):
                    return cached
        try:
            aggregate: Aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise missing from None
        except OriginatorVersionError as e:
            raise ChainBroken(
                f"aggregate {aggregate_id}: expected consecutive versions, found a gap ({e}); "
                "an event was removed"
            ) from None
        if not isinstance(aggregate, kind):
            raise missing
        self.synced.loaded(aggregate_id)
        return aggregate

    def begin_attempt(self, *, assume_head: bool = False) -> None:
        """An attempt to save begins: read the log's head once (see :meth:`load`). With
        ``assume_head``, take the head this process's last save left, when it knows one,
        and have the save check it (HeadMovedMeanwhile when another writer moved it)."""
        assumed = self.synced.begin_on_known_head() if assume_head else None
        if assumed is None:
            self.synced.begin(self.head())
        self.guard.head = assumed

    def assumed_head_moved(self) -> bool:
        """Whether the attempt assumed the log's head and another writer has moved it since
        (read now: a refusal is checked before it is reported, as a save is)."""
        if self.guard.head is None or self.head() == self.guard.head:
            return False
        self.synced.moved()
        return True

    def end_attempt(self) -> None:
        """The attempt is over: loads bring cached aggregates up to date again."""
        self.synced.end()
        self.guard.head = None

    def exists(self, aggregate_id: UUID) -> bool:
        """Whether the aggregate was ever created: a cache hit, one of the ids
        :meth:`known_absent` found absent, or one query."""
        if aggregate_id in self._absent:
            return False
        return self._cached(aggregate_id) or bool(
            self.recorder.select_events(aggregate_id, limit=1)
        )

    @contextmanager
    def known_absent(self, aggregate_ids: Iterable[UUID]) -> Iterator[None]:
        """Ask once which of ``aggregate_ids`` exist (a bulk import's idempotency keys), and
        answer :meth:`exists` for the others without a query meanwhile. One created by another
        writer in between makes the save conflict (its first version is taken), and the
        caller runs again."""
        wanted = list(dict.fromkeys(aggregate_ids))
        found: set[UUID] = set()
        table, param, _, _ = dialect(self.recorder)
        for first in range(0, len(wanted), ABSENT_BATCH):
            part = wanted[first:first + ABSENT_BATCH]
            stored = [i if param == "%s" else i.hex for i in part]
            marks = ", ".join([param] * len(part))
            with self.recorder.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
                cursor.execute(f"SELECT DISTINCT originator_id FROM {table} "
                               f"WHERE originator_id IN ({marks})", stored)
                for row in cursor.fetchall():
                    value = first_column(row)
                    found.add(as_uuid(value))
        self._absent = set(wanted) - found
        try:
            yield
        finally:
            self._absent = set()

    def record(self, changed: list[Aggregate]) -> None:
        """Save ``changed`` in one transaction (RecordConflictError when another writer got in
        first); what was saved becomes the recorded state the next load starts from."""
        try:
            self._save(changed)
        except BaseException as e:
            if isinstance(self.mapper, SigningMapper):
                self.mapper.forget(a.id for a in changed)
            if isinstance(e, RecordConflictError):  # another writer wrote: read the head
                self.synced.moved()
            raise
        if self.repository.cache is not None:
            for aggregate in changed:
                self.repository.cache.put(aggregate.id, aggregate)

    def _save(self, changed: list[Aggregate]) -> None:
        """``Application.save`` for aggregates only: the library's version asks of every
        object whether it is an event or an aggregate through runtime protocol checks, about
        a twentieth of a bulk import's time."""
        processing_event: ProcessingEvent[UUID] = ProcessingEvent()
        for aggregate in changed:
            processing_event.events.extend(aggregate.collect_events())
            processing_event.aggregates[aggregate.id] = aggregate
        recordings = self._record(processing_event)
        self.synced.saved(processing_event.aggregates, [r.notification.id for r in recordings])
        self._take_snapshots(processing_event)
        self._notify(recordings)

    def evict(self, aggregate_ids: Iterable[UUID]) -> None:
        """Drop these aggregates from the cache (and their cached hash links): the next load
        reads them from the store."""
        ids = list(aggregate_ids)
        cache = self.repository.cache
        if cache is not None:
            for aggregate_id in ids:
                with contextlib.suppress(KeyError):
                    cache.get(aggregate_id, evict=True)
        self.synced.forget(ids)
        if isinstance(self.mapper, SigningMapper):  # (a benchmark's may not sign)
            self.mapper.forget(ids)

    def history(self, aggregate_id: UUID, *, lte: int) -> Iterator[Any]:
        """An aggregate's verified events up to version ``lte``, streamed."""
        return iter(self.events.get(aggregate_id, lte=lte))

    def first_event(self, aggregate_id: UUID) -> Any:
        """The verified event that created an aggregate."""
        return next(self.history(aggregate_id, lte=1))

    def head(self) -> int:
        """The log's last notification id (0 when empty)."""
        return self.recorder.max_notification_id() or 0

    def _cached(self, aggregate_id: UUID) -> bool:
        cache = self.repository.cache
        if cache is None:
            return False
        try:
            cache.get(aggregate_id)
        except KeyError:
            return False
        return True

    def _take_snapshots(self, processing_event: ProcessingEvent[UUID]) -> None:
        """Snapshot each aggregate just saved whose version crossed a multiple of its interval,
        from memory, at its saved version (not by re-reading the store)."""
        if self.snapshots is None:
            return
        saved: dict[UUID, int] = {}
        for event in processing_event.events:
            saved[event.originator_id] = saved.get(event.originator_id, 0) + 1
        snapshots = []
        for aggregate_id, count in saved.items():
            aggregate = processing_event.aggregates.get(aggregate_id)
            interval = self.snapshotting_intervals.get(type(aggregate))
            if aggregate is None or not interval:
                continue
            if aggregate.version // interval > (aggregate.version - count) // interval:
                snapshots.append(LedgerSnapshot.take(aggregate))
        if snapshots:
            self.snapshots.put(snapshots)


def holds_events(location: StoreLocation) -> bool:
    """Whether the store holds any event yet. Reads no event, so it needs no key."""
    if not location.exists():
        return False
    store = EventStore(location.env(), Keyring(signer=None, trusted={}))
    try:
        return bool(store.recorder.max_notification_id())
    except ProgrammingError:
        return False  # no tables yet
    finally:
        store.close()
