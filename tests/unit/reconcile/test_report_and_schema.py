"""The report's JSON and text forms, and the canonical layout's checked-in JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ledger.reconcile.records import canonical_schema
from ledger.reconcile.report import DIFFERENCE_CLASSES
from tests.unit.reconcile.ledger_builders import active, art_ledger, batch, retired, run

SCHEMA = Path(__file__).resolve().parents[3] / "schemas" / "reconcile-canonical.schema.json"


def _report_with_two_differences() -> dict[str, Any]:
    ledger = art_ledger()
    ledger[0] = batch(
        "ART:ART102-2016-9",
        "ART-GY-102-2016-9",
        1,
        1408,
        retired(1, 1400, "Woodgrove Bank"),
        active(1401, 1408),
    )
    return run(ledger, "art_retirements.csv").to_dict()


def test_the_json_report_counts_every_class_and_lists_each_difference() -> None:
    data = _report_with_two_differences()
    assert data["reconciled"] is False
    assert list(data["summary"]) == list(DIFFERENCE_CLASSES)
    assert data["summary"]["status_mismatch"] == 1
    assert data["summary"]["beneficiary_mismatch"] == 1
    status = data["differences"][0]
    assert status == {
        "class": "status_mismatch",
        "batch_ref": "ART:ART102-2016-9",
        "scope": "ART-GY-102-2016-9",
        "registry": {
            "ranges": [[1401, 1408]],
            "quantity": 8,
            "status": "retired",
            "beneficiary": "Northwind Traders",
        },
        "ledger": {
            "ranges": [[1401, 1408]],
            "quantity": 8,
            "status": "active",
            "beneficiary": None,
        },
        "other_batch_ref": None,
        "detail": "",
    }
    json.dumps(data)


def test_the_text_report_is_a_table_with_a_summary_line() -> None:
    ledger = art_ledger()
    ledger[0] = batch("ART:ART102-2016-9", "ART-GY-102-2016-9", 1, 1408, active(1, 1408))
    text = run(ledger, "art_retirements.csv").render_text()
    header, row, blank, summary = text.splitlines()
    assert header.split() == ["class", "batch", "registry", "ledger", "detail"]
    assert row.split()[:3] == ["status_mismatch", "ART:ART102-2016-9", "1-1408"]
    assert "retired for Northwind Traders" in row
    assert blank == ""
    assert summary.startswith("1 differences (3 records read, 2 batches compared): ")
    assert "status_mismatch 1" in summary


def test_a_clean_reconciliation_says_so_in_one_line() -> None:
    text = run(art_ledger(), "art_retirements.csv").render_text()
    assert text == "Everything reconciles: 3 records read, 2 batches compared.\n"


def test_the_checked_in_canonical_schema_matches_the_model() -> None:
    rendered = json.dumps(canonical_schema(), indent=2, sort_keys=True) + "\n"
    assert SCHEMA.read_text() == rendered, (
        "schemas/reconcile-canonical.schema.json drifted from CanonicalRecord: regenerate it from"
        " ledger.reconcile.records.canonical_schema()"
    )


def test_the_canonical_schema_requires_a_serial_or_an_explicit_range() -> None:
    schema = canonical_schema()
    assert schema["anyOf"] == [{"required": ["serial"]}, {"required": ["scope", "first", "last"]}]
    assert set(schema["required"]) == {"registry", "batch_ref", "quantity", "status"}
    assert schema["additionalProperties"] is False
