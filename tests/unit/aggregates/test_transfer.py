"""Transfer: one Recorded event, credits of one batch changing holder."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from ledger.aggregates.transfer import Transfer

FIELDS: dict[str, Any] = {
    "batch": "ART:X",
    "sender": "acme",
    "recipient": "contoso",
    "quantity": 7,
    "blocks": [[11, 15], [30, 31]],
    "idempotency_key": "tr-001",
}


def test_a_transfer_records_every_field_it_was_given() -> None:
    transfer = Transfer(id=uuid4(), **FIELDS)
    assert {name: getattr(transfer, name) for name in FIELDS} == FIELDS


def test_the_recorded_event_carries_every_field() -> None:
    tid = uuid4()
    [recorded] = Transfer(id=tid, **FIELDS).collect_events()
    assert type(recorded).__name__ == "Recorded"
    assert recorded.originator_id == tid
    assert {name: getattr(recorded, name) for name in FIELDS} == FIELDS


def test_a_transfer_needs_no_idempotency_key() -> None:
    assert Transfer(id=uuid4(), **{**FIELDS, "idempotency_key": None}).idempotency_key is None


def test_replaying_the_recorded_event_rebuilds_the_transfer() -> None:
    transfer = Transfer(id=uuid4(), **FIELDS)
    [recorded] = transfer.collect_events()
    assert recorded.mutate(None) == transfer
