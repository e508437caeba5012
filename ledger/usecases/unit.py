"""The unit of work every use case runs in: one open ledger, and one atomic save per use case.

A :class:`UnitOfWork` composes what a use case needs: the store's signed events (opened on first
use, so a read of the projections alone never needs the keys), the projections' database, the
keys, and the clock. ``atomically`` runs a use case's decision from freshly loaded state and
saves everything it changed in one transaction, retrying when another writer got in first;
inside ``transaction()`` several use cases share one in-memory state and one save (bulk import).
A read-only store (a PostgreSQL hot standby) refuses every write up front with
``read_only_store``: ``read_only`` says so, asked of the server once per unit.
"""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar
from uuid import UUID

from ledger import ids
from ledger.errors import (
    AccountNotFound,
    BatchNotFound,
    CancellationNotFound,
    ConcurrentUpdate,
    LedgerError,
    NotFound,
    ReservationNotFound,
    RetirementNotFound,
    UnknownKey,
)
from ledger.projections import save_counts
from ledger.projections.connect import open_database
from ledger.projections.database import Database
from ledger.settings import Settings
from ledger.store.location import read_only_store, store_errors

if TYPE_CHECKING:  # imported where used: a read of the projections alone never loads them
    from eventsourcing.domain import Aggregate

    from ledger.aggregates.account import Account
    from ledger.aggregates.batch import CreditBatch
    from ledger.aggregates.cancellation import Cancellation
    from ledger.aggregates.catalogue import Catalogue
    from ledger.aggregates.operator import Operator
    from ledger.aggregates.reservation import Reservation
    from ledger.aggregates.retirement import Retirement
    from ledger.aggregates.transfer import Transfer
    from ledger.signing.keys import Keyring
    from ledger.store.events import EventStore

T = TypeVar("T")
A = TypeVar("A", bound="Aggregate")
Clock = Callable[[], datetime]
Decision = Callable[[], tuple[list["Aggregate"], T]]
"""A use case's decision: the aggregates it changed, and its result."""

MAX_ATTEMPTS = 40
"""Saves tried before a use case gives up with ``concurrent_update``."""
MAX_RETRY_S = 10.0
"""Nor does it retry once this long has passed since its first attempt."""


def backoff(attempt: int) -> float:
    """Seconds to wait after the ``attempt``-th conflict (from 0): full jitter over an
    exponential window of 2 ms doubling to at most 256 ms, so that writers that collided
    spread out instead of colliding again."""
    return random.uniform(0, 0.002 * 2 ** min(attempt, 7))


@dataclass
class Saves:
    """What this unit's saves took: attempts made, conflicts with other writers retried, and
    saves given up (``concurrent_update``)."""

    attempts: int = 0
    conflicts: int = 0
    gave_up: int = 0

    def to_json(self) -> dict[str, int]:
        return dataclasses.asdict(self)


def utcnow() -> datetime:
    """The ledger's clock: now, in UTC."""
    return datetime.now(UTC)


class UnitOfWork:
    """One open ledger: its events, its projections' database, its keys and its clock."""

    event_store: type[EventStore] | None = None
    """What the events are read and written through (None: the signed
    :class:`~ledger.store.events.EventStore`; a benchmark swaps in an unsigned one)."""

    def __init__(self, settings: Settings, *, sign: bool = True, clock: Clock = utcnow,
                 create: bool = False) -> None:
        self.settings = settings
        self.saves = Saves()
        self._saves_counted = False
        self.location = settings.location
        self.sign = sign
        self.create = create
        self.clock = clock
        self._events: EventStore | None = None
        self._db: Database | None = None
        self._read_only: bool | None = None
        self._pending: dict[UUID, Aggregate] | None = None
        self._loaded: set[UUID] | None = None
        """Aggregates loaded in the attempt to save under way: the cache's own objects (no
        copies), evicted when the attempt does not end in a save (:meth:`_settle`)."""

    # --- what it composes ------------------------------------------------------------------

    @property
    def events(self) -> EventStore:
        """The store's signed events, opened (with the keys) on first use."""
        if self._events is None:
            if not self.create and not self.location.exists():
                raise NotFound(f"no ledger at {self.location.redacted} (run `ledger init`, "
                               "or give --db / LEDGER_DB)")
            from ledger.signing.mapper import SigningMapper
            from ledger.store.events import EventStore

            keys = self.settings.keys
            with store_errors(self.location):
                self._events = (self.event_store or EventStore)(
                    self.location.env(create_tables=self.create),
                    keys.keyring(with_signer=self.sign))
            if isinstance(self._events.mapper, SigningMapper):  # (a benchmark's may not sign)
                self._events.mapper.refresh_keys = self._reload_keys
            if self.sign and keys.staged_key_exists():
                self._reload_keys()  # a rotation to finish
            if self.sign:
                self._check_signer_in_force()
        return self._events

    @property
    def db(self) -> Database:
        """The projections' own connection to the store's database, opened on first use."""
        if self._db is None:
            self._db = open_database(self.location)
        return self._db

    @property
    def read_only(self) -> bool:
        """Whether the store refuses writes (a PostgreSQL hot standby), asked once per unit;
        an embedded SQLite file is not opened to ask (`ledger init` has yet to make it)."""
        if self._read_only is None:
            self._read_only = self.location.is_postgres and self.db.read_only()
        return self._read_only

    def require_writable(self) -> None:
        """Refuse a write on a read-only store, before anything is decided or written."""
        if self.read_only:
            raise read_only_store(self.location)

    @property
    def keyring(self) -> Keyring:
        """The keys the events are signed with and verified against."""
        return self.events.keyring

    def close(self) -> None:
        """Add this unit's saves to the day's counts (``ledger status``), if it tried any;
        close whatever was opened. Closing again does nothing."""
        if self.saves.attempts and not self._saves_counted:
            self._saves_counted = True
            with suppress(LedgerError):  # a store gone meanwhile: the command says so, not this
                save_counts.add(self.db, self.clock().date(), self.saves.attempts,
                                self.saves.conflicts, self.saves.gave_up)
        if self._events is not None:
            self._events.close()
        if self._db is not None:
            self._db.close()
        self._events, self._db = None, None

    # --- loads -----------------------------------------------------------------------------

    def load(self, kind: type[A], aggregate_id: UUID, missing: LedgerError) -> A:
        """Load and verify an aggregate (inside a transaction: its state there), or raise
        ``missing``."""
        if self._pending is not None and aggregate_id in self._pending:
            pending = self._pending[aggregate_id]
            if not isinstance(pending, kind):
                raise missing
            return pending
        aggregate = self.events.load(kind, aggregate_id, missing)
        if self._loaded is not None:
            self._loaded.add(aggregate_id)
        if self._pending is not None:
            self._pending[aggregate_id] = aggregate  # later use cases in it share this state
        return aggregate

    def find(self, kind: type[A], aggregate_id: UUID) -> A | None:
        """The aggregate, or None when it was never created."""
        known = self._pending is not None and aggregate_id in self._pending
        if not known and not self.events.exists(aggregate_id):
            return None
        try:
            return self.load(kind, aggregate_id, NotFound("absent"))
        except NotFound:
            return None

    def load_account(self, handle: str) -> Account:
        from ledger.aggregates.account import Account

        return self.load(Account, ids.account_id(handle),
                         AccountNotFound(f"no account with handle {handle!r}"))

    def load_batch(self, batch: str) -> CreditBatch:
        from ledger.aggregates.batch import CreditBatch

        return self.load(CreditBatch, ids.batch_id(batch), BatchNotFound(
            f"no batch with reference {batch!r} (expected REGISTRY:ISSUANCE_ID)"))

    def load_operator(self) -> Operator:
        from ledger.aggregates.operator import Operator

        return self.load(Operator, ids.OPERATOR_ID, NotFound(
            "expected an initialised ledger, found none (run `ledger init`)"))

    def load_catalogue(self) -> Catalogue:
        """Every minted batch (an empty catalogue before the first mint)."""
        from ledger.aggregates.catalogue import Catalogue

        return self.find(Catalogue, ids.CATALOGUE_ID) or Catalogue(id=ids.CATALOGUE_ID)

    def load_reservation(self, ref: str) -> Reservation:
        from ledger.aggregates.reservation import Reservation

        return self.load(Reservation, ids.by_id_or_key(ref, ids.reservation_id),
                         ReservationNotFound(f"no reservation with id or idempotency key {ref!r}"))

    def load_retirement(self, ref: str) -> Retirement:
        from ledger.aggregates.retirement import Retirement

        return self.load(Retirement, ids.by_id_or_key(ref, ids.retirement_id),
                         RetirementNotFound(f"no retirement with id or idempotency key {ref!r}"))

    def load_cancellation(self, ref: str) -> Cancellation:
        from ledger.aggregates.cancellation import Cancellation

        return self.load(Cancellation, ids.by_id_or_key(ref, ids.cancellation_id),
                         CancellationNotFound(
                             f"no cancellation with id or idempotency key {ref!r}"))

    def load_transfer(self, ref: str) -> Transfer:
        from ledger.aggregates.transfer import Transfer

        return self.load(Transfer, ids.by_id_or_key(ref, ids.transfer_id),
                         NotFound(f"no transfer with id or idempotency key {ref!r}"))

    # --- saves -----------------------------------------------------------------------------

    def atomically(self, decide: Decision[T]) -> T:
        """Run ``decide`` and save what it changed in one transaction, deciding again from
        fresh state when another writer saved first. Inside ``transaction()``, keep the
        changes for its one save instead."""
        from eventsourcing.persistence import RecordConflictError

        from ledger.store.key_guard import HeadMovedMeanwhile, KeyRotatedMeanwhile

        if self._pending is not None:
            changed, result = decide()
            self._pending.update((a.id, a) for a in changed)
            return result
        self.require_writable()
        started = time.monotonic()
        for attempt in range(MAX_ATTEMPTS):
            with self._settle(assume_head=True) as saved:
                try:
                    changed, result = decide()
                except LedgerError:
                    if self.events.assumed_head_moved():
                        continue  # refused on state another writer has changed: decide again
                    raise
                self.saves.attempts += 1
                try:
                    self.events.record(changed)
                except HeadMovedMeanwhile:
                    self.saves.conflicts += 1
                    continue  # another writer saved: decided again at once, on a head read
                except KeyRotatedMeanwhile:
                    self._take_rotated_keys()
                    continue  # decided again, its events made after the switch, the new key
                except RecordConflictError:
                    self.saves.conflicts += 1
                    if time.monotonic() - started > MAX_RETRY_S:
                        break
                    time.sleep(backoff(attempt))
                    continue
                saved.append(True)
            return result
        self.saves.gave_up += 1
        raise ConcurrentUpdate(
            f"expected to save within {MAX_ATTEMPTS} attempts and {MAX_RETRY_S:.0f} s, found "
            "other writers changing the same aggregates every time; try again"
        )

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Use cases inside share one in-memory state and are saved together at the end, all
        or nothing. A use case that raises spoils it: nothing of it is saved. A conflicting
        writer raises RecordConflictError: run the whole transaction again."""
        from eventsourcing.persistence import RecordConflictError

        from ledger.store.key_guard import KeyRotatedMeanwhile

        if self._pending is not None:
            raise RuntimeError("transactions do not nest")
        self.require_writable()
        pending: dict[UUID, Aggregate] = {}
        self._pending = pending
        with self._settle() as saved:
            try:
                yield
            finally:
                self._pending = None
            self.saves.attempts += 1
            try:
                self.events.record([a for a in pending.values() if a.pending_events])
            except KeyRotatedMeanwhile:
                self._take_rotated_keys()
                raise
            except RecordConflictError:
                self.saves.conflicts += 1
                raise
            saved.append(True)

    @contextmanager
    def _settle(self, *, assume_head: bool = False) -> Iterator[list[bool]]:
        """Around one attempt to decide and save: unless the body marks it saved, evict from
        the cache every aggregate loaded meanwhile (a refusal or a conflict may have left
        events applied to them that were never saved); after a save, evict any loaded
        aggregate that still holds unsaved events (a decision that changed it without saying
        so). ``assume_head``: see :meth:`EventStore.begin_attempt`."""
        self._loaded = set()
        saved: list[bool] = []
        self.events.begin_attempt(assume_head=assume_head)
        try:
            yield saved
        finally:
            self.events.end_attempt()
            loaded, self._loaded = self._loaded, None
            if not saved:
                self.events.evict(loaded)
            else:
                self.events.evict(i for i in loaded if self._has_unsaved(i))

    def _has_unsaved(self, aggregate_id: UUID) -> bool:
        cache = self.events.repository.cache
        try:
            aggregate = cache.get(aggregate_id) if cache is not None else None
        except KeyError:
            return False
        return bool(getattr(aggregate, "pending_events", None))

    def _take_rotated_keys(self) -> None:
        """Another process rotated the operator's key since this unit took its keys (the
        save's transaction found it, :mod:`ledger.store.key_guard`): take the key directory's
        keys, so that the save decided again is signed by the key in force. ``unknown_key``
        when the key directory does not hold that key."""
        self._reload_keys()
        self._check_signer_in_force(reload=False)
        self.saves.conflicts += 1

    def _reload_keys(self) -> Keyring:
        """Read the key directory again, under its rotation lock (so not halfway through
        another process's rotation), finishing or dropping a rotation cut off there (the
        primary's to finish, not a standby's, and only by a unit that signs)."""
        keys = self.settings.keys
        with keys.rotation_lock():
            if self.sign and keys.staged_key_exists() and not self.read_only:
                self._finish_interrupted_rotation()
            self.events.use_keyring(keys.keyring(with_signer=self.sign))
        return self.events.keyring

    def _check_signer_in_force(self, *, reload: bool = True) -> None:
        """Refuse to write with any key but the one in force at the log's head: the key the
        log's first event (Operator.Registered) names, or the last KeyRotated switched to
        (each signed by the key before it). Any other key would write events the log's keys
        never vouched for. With ``reload``, a key directory read just before another
        process's rotation is read once more first."""
        from ledger.aggregates.operator import Operator

        signer = self.keyring.signer
        if signer is None:
            return  # nothing can be written: a write fails with key_not_found
        operator = self.find(Operator, ids.OPERATOR_ID)
        if operator is None:
            if self.events.head():
                raise UnknownKey("expected the log to start with the operator's registration "
                                 "naming its key, found events without it")
            return  # an empty log: `ledger init` registers this key as the operator's
        self.events.guard.operator_version = operator.version
        in_force = operator.verifier_keys[-1]
        if signer.public.verifier_key != in_force:
            if reload:
                self._reload_keys()
                self._check_signer_in_force(reload=False)
                return
            raise UnknownKey(
                f"{self.settings.keys.private_key_path}: expected the key in force at the "
                f"log's head ({in_force}), found key {signer.key_id}: it may not write to "
                "this log"
            )

    def _finish_interrupted_rotation(self) -> None:
        """A key rotation stopped between its steps (the caller holds the rotation lock, so
        none is running): finish it if the log recorded the switch to the staged key, or drop
        the staged key if it did not."""
        keys = self.settings.keys
        staged = keys.staged_signer()
        operator = self.load_operator()
        if operator.verifier_keys[-1] == staged.public.verifier_key \
                and operator.key_switched_at is not None:
            keys.install_rotation(staged, operator.key_switched_at)
            self.events.use_keyring(keys.keyring())
        else:
            keys.discard_staged_key()


@contextmanager
def open_unit(settings: Settings, *, sign: bool = True, clock: Clock = utcnow,
              create: bool = False) -> Iterator[UnitOfWork]:
    """A unit of work on the store and keys ``settings`` name (with ``create``, the store's
    tables are made first), closed afterwards; a database that goes away meanwhile is a clear
    ``store_unavailable``."""
    unit = UnitOfWork(settings, sign=sign, clock=clock, create=create)
    try:
        with store_errors(settings.location):
            yield unit
    finally:
        unit.close()
