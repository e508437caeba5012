"""The event store under the Ledger application: signing, typed loads and retried saves.

Plain values in, read objects out. Every write is signed by the :class:`SigningMapper`; every
read verifies. A concurrent writer's conflicting save is retried a bounded number of times from
freshly loaded aggregates, so no credit is ever spent twice.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar
from uuid import UUID

import psycopg_pool
from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import Aggregate, OriginatorVersionError
from eventsourcing.persistence import Mapper, RecordConflictError

from ledger import ids
from ledger.aggregates.account import Account
from ledger.aggregates.batch import CreditBatch
from ledger.aggregates.catalogue import Catalogue
from ledger.aggregates.operator import Operator
from ledger.aggregates.reservation import Reservation
from ledger.aggregates.retirement import Retirement
from ledger.aggregates.serial_scope import SerialScope
from ledger.aggregates.snapshot import LedgerSnapshot
from ledger.aggregates.transfer import Transfer
from ledger.errors import (
    AccountNotFound,
    BatchNotFound,
    ChainBroken,
    ConcurrentUpdate,
    LedgerError,
    NotFound,
    ReservationNotFound,
    RetirementNotFound,
)
from ledger.signing.keys import Keyring
from ledger.signing.mapper import SigningMapper

T = TypeVar("T")
A = TypeVar("A", bound=Aggregate)
Clock = Callable[[], datetime]

MAX_ATTEMPTS = 20
PG_TCP_SETTINGS: dict[str, Any] = {
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 3,
    "tcp_user_timeout": 15_000,  # ms
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class LedgerStore(Application[UUID]):
    """The event store with signing, verification, typed loads and retried atomic saves."""

    name = "Ledger"
    # Aggregates that grow with every operation are snapshotted, so a cold load verifies a
    # snapshot and at most this many events; a warm process fast-forwards its cache.
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {
        CreditBatch: 50,
        SerialScope: 50,
        Catalogue: 50,
    }
    env: ClassVar[dict[str, str]] = {"AGGREGATE_CACHE_MAXSIZE": "1000"}

    def __init__(
        self, env: dict[str, str], keyring: Keyring, clock: Clock = utcnow
    ) -> None:
        self.keyring = keyring
        self.clock = clock
        # While a unit of work is open, use cases change these aggregates in memory and one
        # save commits them all (bulk import); otherwise each use case saves at once.
        self._unit: dict[UUID, Aggregate] | None = None
        super().__init__(env)
        if isinstance(self.mapper, SigningMapper):
            self.mapper.recorder = self.recorder

    def construct_factory(self, env: Any) -> Any:
        """On PostgreSQL, let the kernel notice a server that vanished (a dead host, a cut
        network): TCP keepalives and a bound on unacknowledged data, before any connection."""
        factory = super().construct_factory(env)
        pool = getattr(getattr(factory, "datastore", None), "pool", None)
        if isinstance(pool, psycopg_pool.ConnectionPool) and isinstance(pool.kwargs, dict):
            pool.kwargs.update(PG_TCP_SETTINGS)
        return factory

    def construct_mapper(self) -> Mapper[UUID]:
        return SigningMapper(transcoder=self.factory.transcoder(), keyring=self.keyring)

    def load(self, kind: type[A], aggregate_id: UUID, missing: LedgerError) -> A:
        """Load and verify an aggregate, or raise ``missing`` (a NotFound)."""
        if self._unit is not None and aggregate_id in self._unit:
            pending = self._unit[aggregate_id]
            if not isinstance(pending, kind):
                raise missing
            return pending
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
        if self._unit is not None:
            self._unit[aggregate_id] = aggregate  # later use cases in the unit share it
        return aggregate

    def find(self, kind: type[A], aggregate_id: UUID) -> A | None:
        """The aggregate, or None when it was never created."""
        known = aggregate_id in (self._unit or {}) or self._cached(aggregate_id)
        if not known and not self.recorder.select_events(aggregate_id, limit=1):
            return None  # one query, where a failed load costs two and an exception
        try:
            return self.load(kind, aggregate_id, NotFound("absent"))
        except NotFound:
            return None

    def atomically(self, decide: Callable[[], tuple[list[Aggregate], T]]) -> T:
        """Run ``decide`` and save what it changed in one transaction, retrying conflicts.
        Inside a unit of work, keep the changes for the unit's one save instead."""
        if self._unit is not None:
            changed, result = decide()
            self._unit.update((a.id, a) for a in changed)
            return result
        for attempt in range(MAX_ATTEMPTS):
            changed, result = decide()
            try:
                self.save(*changed)
                self._cache(changed)
            except RecordConflictError:
                if isinstance(self.mapper, SigningMapper):
                    self.mapper.forget(a.id for a in changed)
                time.sleep(random.uniform(0, 0.002 * 2 ** min(attempt, 6)))
                continue
            return result
        raise ConcurrentUpdate(
            f"expected to save within {MAX_ATTEMPTS} attempts, found other writers "
            "changing the same aggregates every time; try again"
        )

    @contextmanager
    def unit_of_work(self) -> Iterator[None]:
        """Use cases inside share one in-memory state and are saved at the end, atomically,
        all or nothing. A use case that raises spoils the unit: nothing of it is saved."""
        if self._unit is not None:
            raise RuntimeError("units of work do not nest")
        unit: dict[UUID, Aggregate] = {}
        self._unit = unit
        try:
            yield
        finally:
            self._unit = None
        changed = [a for a in unit.values() if a.pending_events]
        try:
            self.save(*changed)
        except BaseException:
            if isinstance(self.mapper, SigningMapper):
                self.mapper.forget(unit)
            raise
        self._cache(changed)

    def _cached(self, aggregate_id: UUID) -> bool:
        cache = self.repository.cache
        if cache is None:
            return False
        try:
            cache.get(aggregate_id)
        except KeyError:
            return False
        return True

    def _cache(self, saved: list[Aggregate]) -> None:
        """What we just saved is the recorded state: the next load need not re-verify it."""
        if self.repository.cache is not None:
            for aggregate in saved:
                self.repository.cache.put(aggregate.id, aggregate)

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

    # --- typed loads ------------------------------------------------------------------------

    def account(self, handle: str) -> Account:
        return self.load(
            Account, ids.account_id(handle), AccountNotFound(f"no account with handle {handle!r}")
        )

    def batch(self, reference: str) -> CreditBatch:
        return self.load(
            CreditBatch,
            ids.batch_id(reference),
            BatchNotFound(f"no batch with reference {reference!r} (expected REGISTRY:ISSUANCE_ID)"),
        )

    def operator(self) -> Operator:
        return self.load(
            Operator,
            ids.OPERATOR_ID,
            NotFound("expected an initialised ledger, found none (run `ledger init`)"),
        )

    def catalogue(self) -> Catalogue:
        return self.find(Catalogue, ids.CATALOGUE_ID) or Catalogue(id=ids.CATALOGUE_ID)

    def reservation(self, ref: str) -> Reservation:
        return self.load(
            Reservation,
            reference_id(ref, ids.reservation_id),
            ReservationNotFound(f"no reservation with id or idempotency key {ref!r}"),
        )

    def retirement(self, ref: str) -> Retirement:
        return self.load(
            Retirement,
            reference_id(ref, ids.retirement_id),
            RetirementNotFound(f"no retirement with id or idempotency key {ref!r}"),
        )

    def transfer(self, ref: str) -> Transfer:
        return self.load(
            Transfer,
            reference_id(ref, ids.transfer_id),
            NotFound(f"no transfer with id or idempotency key {ref!r}"),
        )


def reference_id(ref: str, from_key: Callable[[str], UUID]) -> UUID:
    """An aggregate named by its UUID, or by the idempotency key it was made with."""
    try:
        return UUID(ref)
    except ValueError:
        return from_key(ref)


def describe_request(request: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(request.items()))
