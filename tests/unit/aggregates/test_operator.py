"""Operator: the log's origin and its signing keys over time."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from ledger.aggregates.operator import Operator

SWITCH = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)


def new_operator() -> Operator:
    return Operator(
        id=uuid4(), handle="operator", name="Guyana LCDS", origin="ledger.example/gy",
        verifier_key="key-1",
    )


def test_a_registered_operator_trusts_its_first_key() -> None:
    operator = new_operator()
    assert operator.verifier_keys == ["key-1"]
    [registered] = operator.collect_events()
    assert type(registered).__name__ == "Registered"
    assert registered.origin == "ledger.example/gy"


def test_rotating_a_key_appends_the_new_verifier_key_and_keeps_the_old() -> None:
    operator = new_operator()
    operator.rotate_key("id-1", "key-2", SWITCH)
    operator.rotate_key("id-2", "key-3", SWITCH.replace(hour=10))
    assert operator.verifier_keys == ["key-1", "key-2", "key-3"]


def test_the_key_rotated_event_carries_the_old_key_and_the_switch_timestamp() -> None:
    operator = new_operator()
    operator.collect_events()
    operator.rotate_key("id-1", "key-2", SWITCH)
    [rotated] = operator.collect_events()
    assert isinstance(rotated, Operator.KeyRotated)
    assert (rotated.old_key_id, rotated.new_verifier_key) == ("id-1", "key-2")
    assert rotated.timestamp == SWITCH
    assert operator.modified_on == SWITCH


def test_replaying_the_rotations_restores_every_key_in_order() -> None:
    operator = new_operator()
    operator.rotate_key("id-1", "key-2", SWITCH)
    operator.rotate_key("id-2", "key-3", SWITCH.replace(hour=10))
    registered, *rotations = operator.collect_events()
    replayed = registered.mutate(None)
    for e in rotations:
        replayed = e.mutate(replayed)
    assert replayed == operator
    assert replayed is not None and replayed.verifier_keys == ["key-1", "key-2", "key-3"]
