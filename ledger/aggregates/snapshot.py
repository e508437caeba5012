"""Snapshots that survive the signed JSON encoding.

A snapshot's state is stored as plain JSON (signed like every event); restoring it turns the
aggregate's timestamps back into datetimes and lets the aggregate rebuild its own structures
(block sets, integer keys) through a ``restore`` class method.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eventsourcing.domain import BaseAggregate, Snapshot

TIMESTAMPS = ("_created_on", "_modified_on")


class LedgerSnapshot(Snapshot):
    @classmethod
    def take(cls, aggregate: Any) -> LedgerSnapshot:
        """A snapshot made at the time of the last event it summarises, not when it is taken:
        signed by the key that signed that event, it is inside that key's window even when a
        rotation committed between the save and the snapshot."""
        taken = super().take(aggregate)
        return cls(originator_id=taken.originator_id,
                   originator_version=taken.originator_version,
                   timestamp=aggregate.modified_on, topic=taken.topic, state=taken.state)

    def mutate(self, _: None) -> BaseAggregate[Any]:
        state = dict(self.state)
        for name in TIMESTAMPS:
            if isinstance(state.get(name), str):
                state[name] = datetime.fromisoformat(state[name])
        restored = Snapshot(
            originator_id=self.originator_id,
            originator_version=self.originator_version,
            timestamp=self.timestamp,
            topic=self.topic,
            state=state,
        ).mutate(None)
        restore = getattr(type(restored), "restore", None)
        if restore is not None:
            restore(restored.__dict__)
        return restored
