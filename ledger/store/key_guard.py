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

Saves are serialised by the store's write lock (SQLite's database lock; on PostgreSQL the
library's ``LOCK TABLE … IN EXCLUSIVE MODE``, taken here first), so whichever of a writer and a
rotation commits second sees the other. The hook is the recorder's ``_insert_events``, which
both of the library's application recorders call inside their insert transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from eventsourcing.persistence import ApplicationRecorder, RecordConflictError, StoredEvent

from ledger import ids
from ledger.signing.envelope import open_envelope


class KeyRotatedMeanwhile(RecordConflictError):
    """Another process rotated the operator's key after this store took its keys."""


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

    def install(self, recorder: ApplicationRecorder) -> None:
        """Check inside ``recorder``'s insert transaction (see the module's description)."""
        insert = recorder._insert_events  # type: ignore[attr-defined]
        postgres = hasattr(recorder, "_lock_table")

        def guarded(cursor: Any, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
            if postgres:
                recorder._lock_table(cursor)  # type: ignore[attr-defined]
                self._check(cursor, recorder, stored_events, inserted=False)
                return insert(cursor, stored_events, **kwargs)
            # SQLite: the first INSERT takes the write lock; reading first could leave the
            # transaction on a snapshot older than the lock it then needs.
            result = insert(cursor, stored_events, **kwargs)
            self._check(cursor, recorder, stored_events, inserted=True)
            return result

        recorder._insert_events = guarded  # type: ignore[attr-defined]

    def _check(self, cursor: Any, recorder: Any, stored_events: Sequence[StoredEvent],
               *, inserted: bool) -> None:
        if self.operator_version is None and self.rotation is None:
            return
        table, param, operator_id, position = dialect(recorder)
        if self.operator_version is not None:
            expected = self.operator_version
            if inserted:  # this save's own operator events are already in the table
                expected = max([expected] + [e.originator_version for e in stored_events
                                             if str(e.originator_id) == str(ids.OPERATOR_ID)])
            cursor.execute(f"SELECT MAX(originator_version) AS v FROM {table} "
                           f"WHERE originator_id = {param}", (operator_id,))
            found = first_column(cursor.fetchone()) or 0
            if found > expected:
                raise KeyRotatedMeanwhile("the operator's key was rotated meanwhile")
        if self.rotation is not None:
            cursor.execute(f"SELECT state FROM {table} WHERE {position} > {param}",
                           (self.rotation.head_before,))
            for row in cursor.fetchall():
                if open_envelope(bytes(first_column(row))).made_at > self.rotation.switch_at:
                    raise RecordConflictError(
                        "an event made after the switch time was saved meanwhile")


def first_column(row: Any) -> Any:
    """A row's first value, whether the driver gave a mapping (psycopg's dict rows), a
    ``sqlite3.Row`` or a tuple."""
    return row[0] if not isinstance(row, dict) else next(iter(row.values()))


def dialect(recorder: Any) -> tuple[str, str, Any, str]:
    """The events table, the parameter mark, the operator's id as stored, and the column
    that orders the log, for the library's PostgreSQL or SQLite recorder."""
    if hasattr(recorder, "_lock_table"):
        schema = recorder.datastore.schema
        table = recorder.events_table_name
        qualified = f'"{schema}"."{table}"' if schema else f'"{table}"'
        return qualified, "%s", ids.OPERATOR_ID, "notification_id"
    return f'"{recorder.events_table_name}"', "?", ids.OPERATOR_ID.hex, "rowid"
