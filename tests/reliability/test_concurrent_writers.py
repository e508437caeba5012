"""Concurrent writers: 4 to 8 OS processes reserve, settle, release, transfer and retire from the
same three batches at once, on SQLite and on PostgreSQL.

Afterwards no serial is in two places, every batch conserves its credits, every result a
worker was told about is in the log with the same blocks (and nothing else is), and every
refusal was a clean ``LedgerError``. Throughput and the retry rate are printed in the summary.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ledger.settings import Settings
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
    finally:
        ledger.close()
