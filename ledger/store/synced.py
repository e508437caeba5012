"""Which cached aggregates are known current, so a save's loads need not ask the store.

A cached aggregate is normally brought up to date on every load with a query for its newer
events (the library's fast-forward): two or three queries an operation. Instead, an attempt to
save reads the log's head once (:meth:`SyncedHeads.begin`); when the head has not moved since
the aggregates in the current *epoch* were known complete, they are used as they are. The head
moves by this process's own saves too: a save whose events took exactly the notification ids
after the epoch's head (nobody else wrote in between) moves the epoch's head with it. Any other
movement starts a new epoch, and each aggregate is brought up to date once more on its next
load, as before.

Nothing is weakened: an aggregate used without a query reflects every event up to the head
read when the attempt began, which is what a load just before the attempt would have given; an
event another writer commits after that makes the save of an aggregate it touched conflict, as
it always did.

A single operation's attempt may also skip that read (:meth:`SyncedHeads.begin_on_known_head`):
when this process's last save left the head known, the attempt assumes it has not moved, and
the save's transaction checks it under the store's write lock
(:class:`~ledger.store.key_guard.KeyGuard`): a head that moved rolls the save back
(``HeadMovedMeanwhile``) and the operation is decided again after a real read. That is stronger
than the read, not weaker: every aggregate used is complete up to the commit itself. After a
miss, the next :data:`COOL_DOWN` attempts read the head (another writer is active).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from uuid import UUID

MAX_COMPLETE = 4096
"""Aggregates remembered in one epoch; past it a new epoch starts (the cache holds 1,000)."""
COOL_DOWN = 16
"""Attempts that read the head after a save found it had moved: other writers are active, and
assuming it has not moved would cost each of them an attempt decided twice."""


class SyncedHeads:
    """The log's head, and the aggregates known complete up to it (a new epoch forgets
    them all)."""

    def __init__(self) -> None:
        self.head: int | None = None
        """The log's head up to which the current epoch's aggregates are complete."""
        self.active = False
        """Whether an attempt to save is under way (outside one, loads fast-forward)."""
        self._complete: set[UUID] = set()
        self._cool_down = 0

    def begin(self, head: int) -> None:
        """An attempt begins; the log's head is ``head``."""
        if head != self.head or len(self._complete) > MAX_COMPLETE:
            self._new_epoch(head)
        self._cool_down = max(0, self._cool_down - 1)
        self.active = True

    def begin_on_known_head(self) -> int | None:
        """An attempt begins without reading the log's head: the head it assumes (which its
        save must find, or roll back), or None when none can be assumed (the caller reads
        it and calls :meth:`begin`)."""
        if self.head is None or self._cool_down or len(self._complete) > MAX_COMPLETE:
            return None
        self.active = True
        return self.head

    def moved(self) -> None:
        """A save found the log's head past the one its attempt assumed: another writer
        wrote; read the head on the next attempts."""
        self._new_epoch(None)
        self._cool_down = COOL_DOWN

    def end(self) -> None:
        """The attempt is over (saved or not)."""
        self.active = False

    def current(self, aggregate_id: UUID) -> bool:
        """Whether the cached aggregate can be used without asking the store."""
        return self.active and aggregate_id in self._complete

    def loaded(self, aggregate_id: UUID) -> None:
        """The aggregate was just brought up to date (it is complete up to the epoch's head,
        which was read before)."""
        if self.active:
            self._complete.add(aggregate_id)

    def saved(self, aggregate_ids: Iterable[UUID], notification_ids: Sequence[int]) -> None:
        """A save took ``notification_ids``: if they follow the epoch's head with no gap, the
        head moves with them and the saved aggregates are complete; otherwise another writer
        may have written in between, and a new epoch starts at a head not known yet."""
        ids = sorted(notification_ids)
        if self.head is not None and ids and ids == list(range(self.head + 1,
                                                              self.head + 1 + len(ids))):
            self.head = ids[-1]
            self._complete.update(aggregate_ids)
        else:
            self._new_epoch(None)

    def forget(self, aggregate_ids: Iterable[UUID]) -> None:
        """These aggregates left the cache."""
        self._complete.difference_update(aggregate_ids)

    def _new_epoch(self, head: int | None) -> None:
        self.head = head
        self._complete.clear()
