"""Bulk import: many operations per transaction, all or nothing, re-runnable."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from ledger.errors import InsufficientCredits, InvalidArgument, InvalidDocument
from ledger.settings import Settings
from ledger.usecases import importing, reads, reservations
from ledger.usecases.unit import UnitOfWork
from tests.support.builders import example_data

LEAF = "ART:ART102-2021-11"


def lines(*ops: dict[str, Any]) -> list[str]:
    return [json.dumps(op) + "\n" for op in ops]


def story(buyers: int = 3) -> list[str]:
    document = example_data("LEAF")
    ops: list[dict[str, Any]] = [{"op": "mint", "document": document}]
    for i in range(buyers):
        ops.append({"op": "open_account", "handle": f"b{i}", "name": f"Buyer {i}",
                    "role": "buyer", "climate_pledge": True})
        ops.append({"op": "reserve", "buyer": f"b{i}", "quantity": 10, "batch": LEAF,
                    "idempotency_key": f"po-{i}"})
        ops.append({"op": "settle", "reservation": f"po-{i}"})
        ops.append({"op": "retire", "holder": f"b{i}", "batch": LEAF, "quantity": 4,
                    "beneficiary": f"Buyer {i}", "reason": "claim", "claim_period": "2025",
                    "idempotency_key": f"ret-{i}"})
    ops.append({"op": "transfer", "from": "b0", "to": "b1", "batch": LEAF, "quantity": 1,
                "idempotency_key": "t-1"})
    return lines(*ops)


def test_an_import_applies_every_operation_in_few_transactions(ledger: UnitOfWork) -> None:
    report = importing.import_operations(ledger, lines=story(5), chunk_size=10)
    assert (report.operations, report.transactions) == (22, 3)
    batch = reads.show_batch(ledger, batch=LEAF)
    assert (batch.held, batch.retired) == (30, 20)
    assert batch.holders["b1"] == 7


def test_re_running_the_same_file_changes_nothing(ledger: UnitOfWork) -> None:
    importing.import_operations(ledger, lines=story(), chunk_size=4)
    head = ledger.events.recorder.max_notification_id()
    importing.import_operations(ledger, lines=story(), chunk_size=4)
    assert ledger.events.recorder.max_notification_id() == head


def test_a_bad_line_stops_the_import_and_its_transaction_writes_nothing(ledger: UnitOfWork) -> None:
    ops = story(2)
    ops.insert(7, json.dumps({"op": "reserve", "buyer": "b0", "quantity": 10**9,
                              "batch": LEAF}) + "\n")
    with pytest.raises(InsufficientCredits, match=r"line 8: .*committed before it: 5 operations"):
        importing.import_operations(ledger, lines=ops, chunk_size=5)
    batch = reads.show_batch(ledger, batch=LEAF)
    assert (batch.held, batch.retired, batch.reserved) == (6, 4, 0)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("{not json", "line 1: expected a JSON object"),
        ('["mint"]', "line 1: expected a JSON object, found list"),
        ('{"op": "explode"}', "line 1: "),
        ('{"op": "reserve", "buyer": "a", "quantity": "ten", "batch": "x"}', "quantity"),
        ('{"op": "settle", "reservation": "r", "extra": 1}', "extra"),
    ],
)
def test_malformed_lines_are_refused_naming_the_line(
    ledger: UnitOfWork, line: str, expected: str
) -> None:
    with pytest.raises(InvalidDocument, match=expected):
        importing.import_operations(ledger, lines=[line])
    assert ledger.events.recorder.max_notification_id() == 2


def test_cancel_and_withdraw_lines_run_the_same_use_cases(ledger: UnitOfWork) -> None:
    ops = [*story(2), *lines(
        {"op": "cancel", "holder": "b0", "batch": LEAF, "quantity": 2, "type": "compliance",
         "reason": "CORSIA", "details": "Example Air", "idempotency_key": "c-1"},
        {"op": "withdraw", "batch": LEAF, "quantity": 3, "reason": "over-issuance",
         "idempotency_key": "w-1"},
    )]
    importing.import_operations(ledger, lines=ops, chunk_size=3)
    importing.import_operations(ledger, lines=ops, chunk_size=3)  # the keys: nothing twice
    batch = reads.show_batch(ledger, batch=LEAF)
    assert (batch.held, batch.retired, batch.cancelled) == (10, 8, 5)
    assert reads.show_cancellation(ledger, cancellation="c-1").details == "Example Air"
    bad = lines({"op": "cancel", "holder": "b0", "batch": LEAF, "quantity": 1,
                 "type": "retirement", "reason": "r"})
    with pytest.raises(InvalidArgument, match="line 1: --type: expected one of compliance"):
        importing.import_operations(ledger, lines=bad)


def test_label_lines_apply_and_revoke_and_a_second_run_skips_them(ledger: UnitOfWork) -> None:
    ops = [*story(1), *lines(
        {"op": "apply_label", "batch": LEAF, "label": "corsia:first-phase",
         "evidence": "LoA", "effective": "2024-05-01"},
        {"op": "revoke_label", "batch": LEAF, "label": "ccp", "evidence": "withdrawn",
         "effective": "2025-01-01"},
        {"op": "retire", "holder": "b0", "batch": LEAF, "quantity": 1, "beneficiary": "B",
         "reason": "r", "claim_period": "2025", "require": ["corsia:first-phase"],
         "idempotency_key": "ret-labelled"},
    )]
    ops = [line for line in ops if '"transfer"' not in line]
    importing.import_operations(ledger, lines=ops)
    head = ledger.events.recorder.max_notification_id()
    importing.import_operations(ledger, lines=ops)
    assert ledger.events.recorder.max_notification_id() == head
    assert reads.show_retirement(ledger, retirement="ret-labelled").labels == [
        "ca:committed", "corsia:first-phase"]
    bad = lines({"op": "apply_label", "batch": LEAF, "label": "ccp", "evidence": "e",
                 "effective": "2024-13-01"})
    with pytest.raises(InvalidArgument, match="line 1: effective: expected a day"):
        importing.import_operations(ledger, lines=bad)


def test_confirm_and_revert_lines_and_claim_data_run_the_same_use_cases(
    ledger: UnitOfWork,
) -> None:
    ops = [line for line in story(2) if '"transfer"' not in line] + lines(
        {"op": "confirm_retirement", "retirement": "ret-0", "registry_ref": "ART-RET-1",
         "confirmed_at": "2025-07-01T00:00:00+00:00"},
        {"op": "revert_retirement", "retirement": "ret-1", "reason": "never made"},
        {"op": "retire", "holder": "b0", "batch": LEAF, "quantity": 1, "beneficiary": "B",
         "reason": "r", "claim_period": "2025", "purpose": "insetting",
         "consumption_country": "br", "idempotency_key": "ret-claim"},
    )
    importing.import_operations(ledger, lines=ops)
    assert reads.show_retirement(ledger, retirement="ret-0").registry_ref == "ART-RET-1"
    assert reads.show_retirement(ledger, retirement="ret-1").status == "reverted"
    assert reads.show_retirement(ledger, retirement="ret-claim").claim == {
        "purpose": "insetting", "consumption_country": "BR"}
    bad = lines({"op": "confirm_retirement", "retirement": "ret-claim", "registry_ref": "X",
                 "confirmed_at": "yesterday"})
    with pytest.raises(InvalidArgument, match="line 1: confirmed_at: expected an ISO 8601"):
        importing.import_operations(ledger, lines=bad)


def test_a_key_another_writer_takes_after_the_chunk_asked_makes_the_chunk_run_again(
    ledger: UnitOfWork, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chunk asks once which of its idempotency keys exist; another writer taking one of
    them before the chunk commits makes the chunk's save conflict, and the chunk, run again,
    finds it: one reservation under the key, never two."""
    importing.import_operations(ledger, lines=story(buyers=2))
    reserved_before = reads.show_batch(ledger, batch=LEAF).reserved
    other = UnitOfWork(settings)
    asked = ledger.events.known_absent
    rounds: list[int] = []

    @contextmanager
    def then_taken(ids: Any) -> Iterator[None]:
        with asked(ids):
            if not rounds:  # first round: taken right after the chunk asked
                reservations.reserve(other, buyer="b0", quantity=2, batch=LEAF,
                                     idempotency_key="po-late")
            rounds.append(len(rounds))
            yield

    monkeypatch.setattr(ledger.events, "known_absent", then_taken)
    try:
        report = importing.import_operations(ledger, lines=lines(
            {"op": "reserve", "buyer": "b0", "quantity": 2, "batch": LEAF,
             "idempotency_key": "po-late"}))
    finally:
        other.close()
    assert rounds == [0, 1] and report.retries == 1
    assert reads.show_reservation(ledger, reservation="po-late").quantity == 2
    assert reads.show_batch(ledger, batch=LEAF).reserved == reserved_before + 2
