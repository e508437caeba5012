"""The real `ledger` command, run in-process: exit code and what it printed."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ledger.cli.main import main


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


Run = Callable[..., Result]


def runner(capsys: pytest.CaptureFixture[str]) -> Run:
    """`run(*args)`: the command's exit code and its stdout and stderr."""

    def invoke(*args: str | Path) -> Result:
        capsys.readouterr()
        with pytest.raises(SystemExit) as exited:
            main([str(arg) for arg in args])
        captured = capsys.readouterr()
        return Result(int(exited.value.code or 0), captured.out, captured.err)

    return invoke


def imported(line: str) -> int:
    """Operations committed so far, from a progress line of `ledger import` on stderr; -1 for
    any other line."""
    match = re.match(r"imported operations: (\d+)", line)
    return int(match.group(1)) if match else -1
