"""Concurrent writers: 4 to 8 OS processes reserve, settle, release, transfer and retire from the
same three batches at once, on SQLite and on PostgreSQL.

Afterwards no serial is in two places, every batch conserves its credits, every result a
worker was told about is in the log with the same blocks (and nothing else is), and every
refusal was a clean ``LedgerError``. Throughput and the retry rate are printed in the summary.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from ledger.audit.run import audit
from ledger.settings import Settings
from ledger.signing.envelope import open_envelope
from ledger.usecases import projecting, setup
from ledger.usecases.unit import UnitOfWork
from tests.reliability.concurrency import check, figures, prepare, run_workers

# Clean refusals a racing worker may meet: the batch ran out, or it holds too little.
EXPECTED_REFUSALS = {"insufficient_credits"}


@pytest.mark.parametrize(
    ("workers", "operations", "serials"),
    [pytest.param(4, 30, 150, id="short"),
     pytest.param(8, 150, 600, id="long", marks=pytest.mark.slow)],
)
def test_concurrent_writers_never_double_sell_and_lose_no_acknowledged_result(
    settings: Settings, tmp_path: Path, workers: int, operations: int, serials: int,
    report: Callable[[str], None],
) -> None:
    prepare(settings, workers, serials)
    records, seconds = run_workers(settings, workers, operations, tmp_path, seed=workers,
                                   timeout_s=30 + operations * workers)
    result = figures(records, workers, seconds)
    report(result.line())
    assert result.crashes == [], "a worker failed with something other than a LedgerError:\n" \
        + "\n".join(result.crashes[:3])
    # Retries are bounded (40 attempts, 10 s, jittered exponential backoff) and enough: no
    # writer gives up with concurrent_update.
    assert set(result.refused) <= EXPECTED_REFUSALS, result.line()
    assert result.acknowledged > workers * operations // 3
    ledger = UnitOfWork(settings, sign=False)
    try:
        assert check(ledger, records) == []
        # ledger status counts what every writer's saves went through (the setup's too)
        counted = projecting.status(ledger).saves
        assert sum(d.conflicts for d in counted) == result.conflicts
        assert sum(d.attempts for d in counted) >= result.saves
        assert sum(d.commands for d in counted) >= workers
        assert sum(d.gave_up for d in counted) == 0
    finally:
        ledger.close()


def test_key_rotations_while_writers_run_leave_no_event_signed_out_of_its_window(
    settings: Settings, tmp_path: Path, report: Callable[[str], None],
) -> None:
    """Four writer processes work while this process rotates the operator's key three times:
    every write either lands signed by the key in force when it was made, or is decided again
    with the new key; no writer fails for it, and the audit checks every signature clean."""
    workers, operations = 4, 80
    prepare(settings, workers, serials=400)
    rotations: list[str] = []

    def rotate_three_times() -> None:
        """Rotate each time the writers have added 60 events: while they run, whatever the
        machine's speed."""
        rotator = UnitOfWork(settings)
        try:
            head = rotator.events.head()
            deadline = time.monotonic() + 60
            while len(rotations) < 3 and time.monotonic() < deadline:
                if rotator.events.head() >= head + 60:
                    rotations.append(setup.rotate_key(rotator).new_key_id)
                    head = rotator.events.head()
                time.sleep(0.01)
        finally:
            rotator.close()

    records, seconds = run_workers(settings, workers, operations, tmp_path, seed=7,
                                   timeout_s=120, meanwhile=rotate_three_times)
    result = figures(records, workers, seconds)
    report(f"{result.line()}; {len(rotations)} key rotations meanwhile")
    assert result.crashes == [], "\n".join(result.crashes[:3])
    assert set(result.refused) <= EXPECTED_REFUSALS, result.line()
    ledger = UnitOfWork(settings, sign=False)
    try:
        assert check(ledger, records) == []
        projecting.catch_up(ledger)
        found = audit(ledger.events, ledger.db, list(ledger.keyring.trusted.values()))
        assert found.problems == []
        assert len(ledger.keyring.trusted) == 4
        signers = Counter(open_envelope(n.state).key_id for n in
                          ledger.events.recorder.select_notifications(start=1, limit=10**6))
        # the rotations came while the writers ran: the new keys signed their work
        assert len(rotations) == 3 and all(signers[k] > 1 for k in rotations[:2]), signers
    finally:
        ledger.close()
