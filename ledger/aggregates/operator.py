"""The operator: the log's origin, its inventory account, and its signing keys over time."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event


class Operator(Aggregate):
    @event("Registered")
    def __init__(self, id: UUID, handle: str, name: str, origin: str, verifier_key: str) -> None:
        self.handle = handle
        self.name = name
        self.origin = origin
        self.verifier_keys = [verifier_key]
        self.key_switched_at: datetime | None = None

    class KeyRotated(Aggregate.Event):
        """Signed by the old key. Its timestamp is the switch-over: the old key signs events
        up to and including this one, the new key every event after it."""

        old_key_id: str
        new_verifier_key: str

        def apply(self, aggregate: Any) -> None:
            aggregate.verifier_keys.append(self.new_verifier_key)
            aggregate.key_switched_at = self.timestamp

    def rotate_key(self, old_key_id: str, new_verifier_key: str, switch_at: datetime) -> None:
        self.trigger_event(
            self.KeyRotated,
            old_key_id=old_key_id,
            new_verifier_key=new_verifier_key,
            timestamp=switch_at,
        )
