"""No event signed by a key no longer in force: a check inside every save's transaction.

The operator's key windows are times: the old key signs events made up to and including the
rotation's switch time, the new key every event made after it. Two races would break that if
the check were made before a save (another process's rotation commits between the check and
the save's COMMIT):

- a writer that took its keys before a rotation commits events, signed by the old key, that it
  made after the switch: :class:`KeyGuard` checks, inside the save's transaction and after the
  store's write lock is taken, that the operator's aggregate is still at the version whose key
  the writer signs with; if not, :class:`KeyRotatedMeanwhile` rolls the save back, and the
  writer takes the new keys and decides again;
- a writer commits events made after the switch time before the rotation itself commits: the
  rotation's own save checks, in the same place, that no event committed since it read the
  log's head was made after its switch time; if one was, the rotation is decided again, with
  a later switch time.

The same check serves a single operation that assumed the log's head had not moved since this
process's last save (:mod:`ledger.store.synced`): a save that finds another writer's event past
that head rolls back with :class:`HeadMovedMeanwhile`, and the operation is decided again.

Saves are serialised by the store's write lock (SQLite's database lock; on PostgreSQL the
library's ``LOCK TABLE … IN EXCLUSIVE MODE``), so whichever of a writer and a rotation commits
second sees the other. The checks are read inside the save's transaction, under the lock:
through the recorder's ``_insert_events``, which both of the library's application recorders
call there (SQLite: after the INSERT, which takes the lock; PostgreSQL: after taking the lock,
the query's answer read once the insert's pipeline synced, so it costs no round trip).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from eventsourcing.persistence import (
    ApplicationRecorder,
    DataError,
    RecordConflictError,
    StoredEvent,
)

from ledger import ids
from ledger.signing.envelope import open_envelope

MAX_POSITION = 2**62
"""A log position past any event: the head's count is of nothing when no head is checked."""


class KeyRotatedMeanwhile(RecordConflictError):
    """Another process rotated the operator's key after this store took its keys."""


class HeadMovedMeanwhile(RecordConflictError):
    """Another writer saved past the log's head the attempt assumed, without reading it."""


@dataclass
class Rotation:
    """A key rotation being saved: the log's head read before its switch time was taken."""

    head_before: int
    switch_at: datetime


@dataclass
class KeyGuard:
    """What the next save must find in its transaction."""

    operator_version: int | None = None
    """The operator's version whose last key this store signs with (None: not checked, as
    before the log has an operator or when nothing is signed)."""
    rotation: Rotation | None = None
    head: int | None = None
    """The log's head the save must find before its own events (None: not checked)."""
    _queried: Any = field(default=None, repr=False)
    """PostgreSQL: the cursor of the checks' query in the insert's pipeline, until read."""

    def install(self, recorder: ApplicationRecorder) -> None:
        """Check inside ``recorder``'s insert transaction (see the module's description)."""
        insert = recorder._insert_events  # type: ignore[attr-defined]
        postgres = hasattr(recorder, "_lock_table")

        def guarded(cursor: Any, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
            if postgres:
                recorder._lock_table(cursor)  # type: ignore[attr-defined]
                self._queried = None
                if self.rotation is not None or not stored_events:
                    self._check(cursor, recorder, stored_events, inserted=False)
                elif self.operator_version is not None or self.head is not None:
                    self._queried = cursor.connection.cursor()  # read after the sync
                    self._query(self._queried, recorder)
                return insert(cursor, stored_events, **kwargs)
            # SQLite: the first INSERT takes the write lock; reading first could leave the
            # transaction on a snapshot older than the lock it then needs.
            result = insert(cursor, stored_events, **kwargs)
            self._check(cursor, recorder, stored_events, inserted=True)
            return result

        recorder._insert_events = guarded  # type: ignore[attr-defined]
        if postgres:
            self._install_in_server(recorder)

    def _install_in_server(self, recorder: Any) -> None:
        """PostgreSQL: the checks' query, sent after the lock and before the insert, is read
        after the insert's pipeline synced (no round trip of its own: the lock, the query,
        the insert and the sync are one), and a refusal fails the transaction
        (:meth:`_refuse_in_server`). A rotation's save, and a save of no events, read their
        checks before inserting, as SQLite's saves do after. The query comes before the
        insert, not after it: the server skips what follows a failed statement (an insert
        that conflicts) up to the sync, and psycopg would take a statement it was preparing
        there as prepared ("prepared statement does not exist" on its next use)."""
        fetch_ids = recorder._fetch_ids_after_insert_events
        insert_events = recorder.insert_events

        def ids_then_refused(cursor: Any, stored_events: Sequence[StoredEvent],
                             **kwargs: Any) -> Any:
            ids = fetch_ids(cursor, stored_events, **kwargs)
            if self._queried is not None:
                found_version, past_head = columns(self._queried.fetchone())
                self._queried = None
                refusal = self._refusal(found_version, past_head, stored_events,
                                        inserted=False)
                if refusal is not None:
                    self._refuse_in_server(cursor, refusal)
            return ids

        def refused_as_named(*args: Any, **kwargs: Any) -> Any:
            try:
                return insert_events(*args, **kwargs)
            except DataError as e:
                raise named_refusal(e) from None

        recorder._fetch_ids_after_insert_events = ids_then_refused
        recorder.insert_events = refused_as_named

    @staticmethod
    def _refuse_in_server(cursor: Any, refusal: Exception) -> None:
        """Fail the transaction with ``refusal``: raised here, after the pipeline's sync, it
        would be caught by the library, which then commits. Instead a statement fails (a cast
        to an integer of a text naming the refusal, never prepared), the transaction's COMMIT
        raises that error and is a rollback, and :func:`named_refusal` gives the error its
        class again."""
        marker = KEY_ROTATED if isinstance(refusal, KeyRotatedMeanwhile) else HEAD_MOVED
        cursor.execute("SELECT CAST(%s AS integer)", (marker,), prepare=False)

    def _query(self, cursor: Any, recorder: Any) -> None:
        """The operator's version and the number of events past the assumed head, in one
        statement (an impossible head when none is assumed: nothing to count)."""
        table, param, operator_id, position = dialect(recorder)
        cursor.execute(f"SELECT (SELECT MAX(originator_version) FROM {table} "
                       f"WHERE originator_id = {param}) AS v, "
                       f"(SELECT COUNT(*) FROM {table} WHERE {position} > {param}) AS n",
                       (operator_id, self.head if self.head is not None else MAX_POSITION))

    def _check(self, cursor: Any, recorder: Any, stored_events: Sequence[StoredEvent],
               *, inserted: bool) -> None:
        """Raise what the save must not commit past."""
        if self.operator_version is None and self.rotation is None and self.head is None:
            return
        self._query(cursor, recorder)
        found_version, past_head = columns(cursor.fetchone())
        refusal = self._refusal(found_version, past_head, stored_events, inserted=inserted)
        if self.rotation is not None and not isinstance(refusal, KeyRotatedMeanwhile):
            table, param, _, position = dialect(recorder)
            cursor.execute(f"SELECT state FROM {table} WHERE {position} > {param}",
                           (self.rotation.head_before,))
            for row in cursor.fetchall():
                if open_envelope(bytes(first_column(row))).made_at > self.rotation.switch_at:
                    raise RecordConflictError(
                        "an event made after the switch time was saved meanwhile")
        if refusal is not None:
            raise refusal

    def _refusal(self, found_version: int | None, past_head: int,
                 stored_events: Sequence[StoredEvent], *, inserted: bool) -> Exception | None:
        """What the counts read say: the key's check first (a rotation moves the head too,
        and asks more of the writer than deciding again), then the head's."""
        if self.operator_version is not None:
            expected = (self._expected_operator_version(stored_events) if inserted
                        else self.operator_version)
            if (found_version or 0) > expected:
                return KeyRotatedMeanwhile("the operator's key was rotated meanwhile")
        if self.head is not None and past_head > (len(stored_events) if inserted else 0):
            return HeadMovedMeanwhile(f"the log's head moved past {self.head} meanwhile")
        return None

    def _expected_operator_version(self, stored_events: Sequence[StoredEvent]) -> int:
        """The operator's version once this save's own operator events are in the table."""
        assert self.operator_version is not None
        return max([self.operator_version] + [
            e.originator_version for e in stored_events
            if str(e.originator_id) == str(ids.OPERATOR_ID)])


KEY_ROTATED = "ledger: key rotated meanwhile"
HEAD_MOVED = "ledger: head moved meanwhile"


def named_refusal(error: DataError) -> Exception:
    """The refusal a failed in-server check stands for (:meth:`KeyGuard._refuse_in_server`),
    or the error itself when it is not one."""
    if KEY_ROTATED in str(error):
        return KeyRotatedMeanwhile("the operator's key was rotated meanwhile")
    if HEAD_MOVED in str(error):
        return HeadMovedMeanwhile("the log's head moved meanwhile")
    return error


def first_column(row: Any) -> Any:
    """A row's first value, whether the driver gave a mapping (psycopg's dict rows), a
    ``sqlite3.Row`` or a tuple."""
    return row[0] if not isinstance(row, dict) else next(iter(row.values()))


def columns(row: Any) -> tuple[Any, ...]:
    """A row's values in order, whatever the driver gave (see :func:`first_column`)."""
    return tuple(row.values()) if isinstance(row, dict) else tuple(row)


def dialect(recorder: Any) -> tuple[str, str, Any, str]:
    """The events table, the parameter mark, the operator's id as stored, and the column
    that orders the log, for the library's PostgreSQL or SQLite recorder."""
    if hasattr(recorder, "_lock_table"):
        schema = recorder.datastore.schema
        table = recorder.events_table_name
        qualified = f'"{schema}"."{table}"' if schema else f'"{table}"'
        return qualified, "%s", ids.OPERATOR_ID, "notification_id"
    return f'"{recorder.events_table_name}"', "?", ids.OPERATOR_ID.hex, "rowid"
