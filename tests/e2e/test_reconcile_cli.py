"""`ledger reconcile` end to end: a ledger built through the CLI, exports in registry layouts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger.cli import render
from tests.application.test_reconcile_store import art_issuances, art_retirements
from tests.support.builders import EXAMPLES
from tests.support.cli import Run
from tests.unit.reconcile.ledger_builders import EXPORTS

LEAF = "ART:ART102-2021-11"
RETIRED = ("ART-CR-102-2021-11-1 to 10", "Acme Corp")







@pytest.fixture
def ready(run: Run) -> Run:
    """A ledger with one ART batch (250,000 credits), serials 1-10 retired for Acme Corp."""
    assert run("init").code == 0
    assert run("mint", EXAMPLES / "leaf-issuance.json").code == 0
    assert (
        run("account", "open", "acme", "--name", "Acme", "--role", "buyer", "--climate-pledge").code
        == 0
    )
    assert (
        run(
            "reserve",
            "--buyer",
            "acme",
            "--quantity",
            "10",
            "--batch",
            LEAF,
            "--idempotency-key",
            "po-1",
        ).code
        == 0
    )
    assert run("settle", "po-1").code == 0
    assert (
        run(
            "retire",
            "--holder",
            "acme",
            "--batch",
            LEAF,
            "--quantity",
            "10",
            "--beneficiary",
            "Acme Corp",
            "--reason",
            "2025 claim",
            "--claim-period",
            "2025",
        ).code
        == 0
    )
    return run


def test_exports_that_agree_with_the_ledger_exit_0(ready: Run, tmp_path: Path) -> None:
    issued = art_issuances(tmp_path / "issuances.csv", "ART102", 2021, 287500, 37500)
    retired = art_retirements(tmp_path / "retirements.csv", RETIRED)
    result = ready("reconcile", issued, retired)
    assert result.code == 0, result.err
    assert result.out.startswith("Everything reconciles: 2 records read")
    assert "reconciled 2 rows with 2 ledger batches" in result.err
    clean = ready("reconcile", retired, "--json")
    assert clean.code == 0
    assert clean.json()["reconciled"] is True


def test_differences_exit_5_with_the_whole_report_as_json(ready: Run, tmp_path: Path) -> None:
    export = art_retirements(
        tmp_path / "retirements.csv",
        ("ART-CR-102-2021-11-1 to 10", "Initech"),
        ("ART-CR-102-2021-13-1 to 5", "Acme Corp"),
    )
    result = ready("reconcile", export, "--json")
    assert result.code == 5
    body = result.json()
    assert body["reconciled"] is False
    assert body["error"]["code"] == "differences_found"
    assert body["summary"]["beneficiary_mismatch"] == body["summary"]["missing_in_ledger"] == 1
    assert sum(body["summary"].values()) == len(body["differences"]) == 2
    mismatch = next(d for d in body["differences"] if d["class"] == "beneficiary_mismatch")
    assert mismatch["batch_ref"] == LEAF
    assert mismatch["registry"] == {
        "ranges": [[1, 10]],
        "quantity": 10,
        "status": "retired",
        "beneficiary": "Initech",
    }
    assert mismatch["ledger"]["beneficiary"] == "Acme Corp"


def test_differences_in_text_show_a_table_then_exit_5_saying_what_differs(
    ready: Run, tmp_path: Path
) -> None:
    export = art_retirements(tmp_path / "r.csv", ("ART-CR-102-2021-11-1 to 20", "Acme Corp"))
    result = ready("reconcile", export)
    assert result.code == 5
    assert result.out.splitlines()[0].split() == ["class", "batch", "registry", "ledger", "detail"]
    assert "status_mismatch" in result.out and "11-20 (10) retired for Acme Corp" in result.out
    assert (
        "error[differences_found]: expected the exports and the ledger to agree, found 1 "
        "differences (status_mismatch 1)" in result.err
    )


def test_a_malformed_export_exits_4_naming_the_row_and_column(ready: Run) -> None:
    result = ready("reconcile", EXPORTS / "bad_art_serial.csv")
    assert result.code == 4
    assert "error[invalid_export]" in result.err
    assert "row 3, column 'Credit Serial Numbers'" in result.err
    as_json = ready("reconcile", EXPORTS / "bad_verra_number.csv", "--json")
    assert as_json.code == 4
    assert as_json.json()["error"]["code"] == "invalid_export"
    assert "row 3, column 'Quantity Issued'" in as_json.json()["error"]["message"]


def test_a_missing_export_or_the_wrong_layout_exits_4(ready: Run, tmp_path: Path) -> None:
    missing = ready("reconcile", tmp_path / "nowhere.csv")
    assert missing.code == 4
    assert "nowhere.csv: expected an export file, found none" in missing.err
    retired = art_retirements(tmp_path / "r.csv", RETIRED)
    wrong = ready("reconcile", retired, "--format", "verra")
    assert wrong.code == 4
    assert "row 1: missing column 'ID' of the Verra" in wrong.err


def test_dash_o_writes_the_report_to_a_file(ready: Run, tmp_path: Path) -> None:
    clean = ready(
        "reconcile", art_retirements(tmp_path / "r.csv", RETIRED), "-o", tmp_path / "clean.txt"
    )
    assert (clean.code, clean.out) == (0, "")
    assert (tmp_path / "clean.txt").read_text().startswith("Everything reconciles")
    export = art_retirements(tmp_path / "d.csv", ("ART-CR-102-2021-11-1 to 10", "Initech"))
    report = tmp_path / "report.json"
    result = ready("reconcile", export, "--json", "-o", report)
    assert result.code == 5
    assert result.json() == {
        "error": {
            "code": "differences_found",
            "message": "expected the exports and the ledger to agree, found 1 differences "
            f"(beneficiary_mismatch 1); report in {report}",
        }
    }
    written = json.loads(report.read_text())
    assert [d["class"] for d in written["differences"]] == ["beneficiary_mismatch"]


def test_progress_goes_to_stderr_every_n_rows(
    ready: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(render, "PROGRESS_EVERY_S", 0)
    rows = [(f"ART-CR-102-2021-11-{n} to {n}", "Acme Corp") for n in range(1, 11)]
    result = ready("reconcile", art_retirements(tmp_path / "r.csv", *rows), "--json")
    assert result.code == 0
    rows = [line for line in result.err.splitlines() if line.startswith("reconcile: export rows")]
    assert [line.split(": ")[2].split(",")[0] for line in rows] == [str(n) for n in range(1, 11)]
    assert "reconcile: ledger batches read: 1," in result.err
    assert result.json()["records_read"] == 10
