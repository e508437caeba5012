"""Crashes: `ledger import` killed with SIGKILL in the middle of a bulk import, again and again.

Two ways to die, alternating: the real console script killed at a random moment while it
commits chunk after chunk, and a `ledger.cli.main` process that kills itself inside a
transaction, after its INSERTs and before its COMMIT (``crashing_import.py``). After every kill
no partial operation is visible and the log holds a whole number of chunks; restarting the same
import finishes it; a second complete run writes nothing; the credits are conserved.
"""

from __future__ import annotations

import random
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from ledger.settings import Settings
from ledger.usecases import importing, setup
from ledger.usecases.unit import UnitOfWork
from tests.reliability.invariants import event_count, ledger_problems
from tests.reliability.scenario import (
    BATCHES,
    CRASHING_IMPORT,
    LEDGER,
    cli_env,
    operations,
    write_operations,
)
from tests.support.cli import imported

CHUNK = 10
ROUNDS = 150
TIMEOUT_S = 120


@dataclass(frozen=True)
class Reference:
    """Event counts of the log after each committed chunk, and the final batch totals."""

    boundaries: list[int]
    totals: dict[str, dict[str, int]]


def reference_run(path: Path, lines: list[str]) -> Reference:
    """Import chunk by chunk into a fresh embedded ledger, counting events at each boundary."""
    settings = Settings(str(path / "reference.db"), str(path / "reference-keys"))
    setup.initialise(settings)
    ledger = UnitOfWork(settings)
    try:
        boundaries = [event_count(ledger)]
        for start in range(0, len(lines), CHUNK):
            importing.import_operations(ledger, lines=lines[start:start + CHUNK], chunk_size=CHUNK)
            boundaries.append(event_count(ledger))
        return Reference(boundaries, {b: ledger.load_batch(b).totals() for b in BATCHES})
    finally:
        ledger.close()


def read_line(stream: object, deadline: float) -> str:
    """The next line of a pipe, or '' at its end; fails the test when none comes in time."""
    fileno = stream.fileno()  # type: ignore[attr-defined]
    ready, _, _ = select.select([fileno], [], [], max(deadline - time.monotonic(), 0))
    assert ready, "the import printed no progress in time: it hangs"
    line: str = stream.readline()  # type: ignore[attr-defined]
    return line


def kill_at_random_moment(
    command: list[str], env: dict[str, str], after_operations: int, jitter_s: float
) -> bool:
    """Run the console script; SIGKILL it once its progress passes ``after_operations``, plus a
    random fraction of a chunk. False when it finished first."""
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + TIMEOUT_S
    try:
        while line := read_line(process.stderr, deadline):
            if imported(line) >= after_operations:
                # Injection timing, not synchronisation: land anywhere in the next chunks.
                time.sleep(jitter_s)
                process.send_signal(signal.SIGKILL)
                break
    finally:
        process.wait(TIMEOUT_S)
        assert process.stderr is not None
        process.stderr.close()
    return process.returncode == -signal.SIGKILL


def kill_inside_a_transaction(command: list[str], env: dict[str, str], nth: int) -> bool:
    """Run the import so that it SIGKILLs itself between INSERT and COMMIT of its nth write."""
    done = subprocess.run([sys.executable, str(CRASHING_IMPORT), str(nth), *command[1:]],
                          env=env, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    assert done.returncode in (0, -signal.SIGKILL), done.stderr
    return done.returncode == -signal.SIGKILL


def check_after(settings: Settings, reference: Reference) -> int:
    """No partial operation visible, a whole number of chunks logged; the chunks committed."""
    ledger = UnitOfWork(settings, sign=False)
    try:
        assert ledger_problems(ledger) == []
        count = event_count(ledger)
    finally:
        ledger.close()
    assert count in reference.boundaries, f"{count} events: part of a chunk was committed"
    return reference.boundaries.index(count)


@pytest.mark.parametrize(("kills", "rounds"), [
    pytest.param(4, 60, id="short"),
    pytest.param(40, 400, id="long", marks=pytest.mark.slow),
])
def test_a_killed_import_leaves_no_partial_operation_and_a_restart_finishes_it(
    settings: Settings, tmp_path: Path, kills: int, rounds: int, report: Callable[[str], None]
) -> None:
    ops = operations(rounds)
    lines = write_operations(tmp_path / "ops.jsonl", ops).read_text().splitlines(keepends=True)
    reference = reference_run(tmp_path, lines)
    chunks = len(reference.boundaries) - 1
    setup.initialise(settings)
    env = cli_env(settings.location.url, settings.keys.path)
    command = [str(LEDGER), "import", str(tmp_path / "ops.jsonl"), "--chunk-size", str(CHUNK)]
    rng = random.Random(kills)
    injected = committed = 0
    # Each kill lands a few chunks further on, so that one import is killed many times over.
    while injected < kills and committed < chunks:
        if injected % 2 == 0:
            target = (committed + rng.randint(0, 2)) * CHUNK
            killed = kill_at_random_moment(command, env, target, rng.uniform(0, 0.02))
        else:
            killed = kill_inside_a_transaction(command, env, rng.randint(1, 3))
        injected += killed
        committed = check_after(settings, reference)
    assert injected == kills, f"the import finished after {injected} of {kills} kills"
    recovered = subprocess.run(command, env=env, capture_output=True, text=True,
                               timeout=TIMEOUT_S, check=False)
    assert recovered.returncode == 0, recovered.stderr
    assert check_after(settings, reference) == chunks
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=TIMEOUT_S,
                           check=False)
    assert again.returncode == 0, again.stderr
    assert check_after(settings, reference) == chunks  # the second complete run wrote nothing
    projected = subprocess.run([str(LEDGER), "project"], env=env, capture_output=True,
                               text=True, timeout=TIMEOUT_S, check=False)
    assert projected.returncode == 0, projected.stderr
    audit = subprocess.run([str(LEDGER), "audit", "--json"], env=env, capture_output=True,
                           text=True, timeout=TIMEOUT_S, check=False)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    ledger = UnitOfWork(settings, sign=False)
    try:
        assert {b: ledger.load_batch(b).totals() for b in BATCHES} == reference.totals
    finally:
        ledger.close()
    report(f"{injected} SIGKILLs injected into `ledger import` ({len(ops)} operations, "
           f"{chunks} chunks), {injected} recovered; final log equals the uninterrupted run")
