"""Driving the real CLI in-process (``tests.support.cli``), in a fresh directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.builders import EXAMPLES
from tests.support.cli import Run, runner


@pytest.fixture
def run(tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> Run:
    """The `ledger` command with LEDGER_DB in a fresh directory, which is also the cwd."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LEDGER_DB", str(tmp_path / "ledger.db"))
    monkeypatch.delenv("LEDGER_KEY_DIR", raising=False)
    return runner(capsys)


@pytest.fixture
def ready(run: Run) -> Run:
    """An initialised ledger with the two example batches and one eligible buyer, acme."""
    assert run("init").code == 0
    assert run("mint", EXAMPLES / "leaf-issuance.json").code == 0
    assert run("mint", EXAMPLES / "dac-issuance.json").code == 0
    assert run("account", "open", "acme", "--name", "Acme", "--role", "buyer",
               "--climate-pledge").code == 0
    return run
