"""One renderer for every command: text or JSON, stdout or a file, findings as exit 5."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ledger.cli.render import emit
from ledger.errors import LedgerError, ReconcileDifferences
from ledger.views import MintView

MINTED = MintView("ART:X", "LEAF", 10, 1, 10, "ART-X")


@dataclass
class Report:
    """A result that may carry findings, like an audit or a reconciliation."""

    problems: int

    def findings(self) -> LedgerError | None:
        return ReconcileDifferences(f"found {self.problems}") if self.problems else None

    def to_json(self) -> dict[str, Any]:
        return {"problems": self.problems}

    def __str__(self) -> str:
        return f"{self.problems} problems"


def test_a_view_renders_as_json_and_as_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert emit(MINTED, as_json=True) == 0
    assert json.loads(capsys.readouterr().out)["batch"] == "ART:X"
    assert emit(MINTED, as_json=False) == 0
    assert capsys.readouterr().out.startswith("minted ART:X (LEAF): 10 credits")


def test_findings_are_the_report_then_exit_5_with_the_error_member_in_json(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert emit(Report(2), as_json=True) == 5
    out = json.loads(capsys.readouterr().out)
    assert out == {"problems": 2, "error": {"code": "differences_found", "message": "found 2"}}


def test_findings_in_text_are_the_report_on_stdout_and_one_error_line_on_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert emit(Report(1), as_json=False) == 5
    captured = capsys.readouterr()
    assert captured.out == "1 problems\n"
    assert captured.err == "error[differences_found]: found 1\n"


def test_a_clean_report_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert emit(Report(0), as_json=True) == 0
    assert "error" not in json.loads(capsys.readouterr().out)


def test_output_goes_to_the_file_and_the_error_says_where(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "report.json"
    assert emit(Report(3), as_json=True, output=str(target)) == 5
    assert json.loads(target.read_text()) == {"problems": 3}
    out = json.loads(capsys.readouterr().out)
    assert out["error"]["message"] == f"found 3; report in {target}"
