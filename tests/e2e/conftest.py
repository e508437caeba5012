"""Driving the real CLI in-process: `run(*args)` returns the exit code and what was printed."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ledger.cli import main
from tests.support import EXAMPLES


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


Run = Callable[..., Result]


@pytest.fixture
def run(tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> Run:
    """The `ledger` command with LEDGER_DB in a fresh directory, which is also the cwd."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LEDGER_DB", str(tmp_path / "ledger.db"))
    monkeypatch.delenv("LEDGER_KEY_DIR", raising=False)

    def invoke(*args: str | Path) -> Result:
        capsys.readouterr()
        with pytest.raises(SystemExit) as exited:
            main([str(arg) for arg in args])
        captured = capsys.readouterr()
        return Result(int(exited.value.code or 0), captured.out, captured.err)

    return invoke


@pytest.fixture
def ready(run: Run) -> Run:
    """An initialised ledger with the two example batches and one eligible buyer, acme."""
    assert run("init").code == 0
    assert run("mint", EXAMPLES / "leaf-issuance.json").code == 0
    assert run("mint", EXAMPLES / "dac-issuance.json").code == 0
    assert run("account", "open", "acme", "--name", "Acme", "--role", "buyer",
               "--climate-pledge").code == 0
    return run
