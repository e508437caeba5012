"""Every benchmark runs and produces numbers (a tiny run each; never a pass/fail on time)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"

TINY = {
    "sign_overhead": ["--cycles", "5", "--runs", "1"],
    "ledger_ops": ["--stores", "sqlite", "--cycles", "3", "--bulk", "30", "--sizes", "50,100",
                   "--cold", "10,20", "--runs", "1"],
    "audit": ["--events", "300", "--runs", "1", "--jobs", "2"],
    "proofs": ["--db", "sqlite", "--sizes", "100,300", "--samples", "10", "--events", "100"],
    "projections": ["--db", "sqlite", "--events", "300", "--runs", "1", "--lag-events", "50"],
    "verify": ["--log-size", "64", "--proofs", "4", "--runs", "1"],
    "reconcile": ["--rows", "40", "--batches", "4", "--runs", "1"],
    "startup": ["--runs", "1"],
    "signatures": ["--iterations", "20", "--runs", "1"],
    "bounded_waits": ["--statements", "20", "--runs", "1"],
    "serve": ["--db", "sqlite", "--events", "1000", "--runs", "1", "--samples", "5",
              "--loader", "none"],
}


def numbers(value: object) -> list[float]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [float(value)]
    if isinstance(value, dict):
        return [n for v in value.values() for n in numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in numbers(v)]
    return []


@pytest.mark.parametrize("name", sorted(TINY))
def test_the_benchmark_runs_and_writes_its_figures(name: str, tmp_path: Path) -> None:
    result = tmp_path / f"{name}.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BENCH_RESULTS": str(tmp_path)}
    done = subprocess.run([sys.executable, str(BENCH / f"{name}.py"), *TINY[name]],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, env=env,
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip()
    figures = numbers(json.loads(result.read_text()))
    assert figures and all(f == f for f in figures)  # numbers, none NaN
