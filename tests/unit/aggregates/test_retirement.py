"""Retirement: one Recorded event, the fields a retirement proof carries."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from ledger.aggregates.retirement import Retirement

FIELDS: dict[str, Any] = {
    "batch": "ART:X",
    "source": "LEAF",
    "vintage": 2021,
    "holder": "acme",
    "buyer": "acme",
    "beneficiary": "Acme Corp",
    "reason": "2025 operational emissions",
    "claim_period": "2025",
    "quantity": 12,
    "blocks": [[1, 10], [41, 42]],
    "idempotency_key": "ret-2025-001",
}


def test_a_retirement_records_every_field_it_was_given() -> None:
    retirement = Retirement(id=uuid4(), **FIELDS)
    assert {name: getattr(retirement, name) for name in FIELDS} == FIELDS


def test_the_recorded_event_carries_every_field_for_the_proof() -> None:
    rid = uuid4()
    [recorded] = Retirement(id=rid, **FIELDS).collect_events()
    assert type(recorded).__name__ == "Recorded"
    assert recorded.originator_id == rid
    assert {name: getattr(recorded, name) for name in FIELDS} == FIELDS


def test_a_retirement_needs_no_idempotency_key() -> None:
    assert Retirement(id=uuid4(), **{**FIELDS, "idempotency_key": None}).idempotency_key is None


@pytest.mark.parametrize("missing", ["beneficiary", "blocks"])
def test_a_retirement_without_a_required_field_is_refused(missing: str) -> None:
    fields = {k: v for k, v in FIELDS.items() if k != missing}
    with pytest.raises(TypeError):
        Retirement(id=uuid4(), **fields)


def test_replaying_the_recorded_event_rebuilds_the_retirement() -> None:
    retirement = Retirement(id=uuid4(), **FIELDS)
    [recorded] = retirement.collect_events()
    assert recorded.mutate(None) == retirement
