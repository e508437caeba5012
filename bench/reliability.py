"""Concurrent writers, longer: the machinery of tests/reliability/test_concurrent_writers.py,
with more processes and operations, printing throughput and the retry rate per store.

Each run starts N worker processes at once on fresh batches; each reserves, settles, releases,
transfers and retires at random and records what it was told; afterwards every acknowledged
result is checked against the log (no serial in two places, conservation, same blocks).

    .venv/bin/python bench/reliability.py [--stores sqlite,postgres] [--workers 4,8]
        [--operations 300] [--serials 2000] [--seed 1]

Prints a table (and the refusals by code). Never asserts on time; exits 1 if a check found a
problem or a worker failed with something other than a LedgerError.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import print_table, temp_dir
from ledger.settings import Settings
from ledger.usecases.unit import UnitOfWork
from tests.reliability.concurrency import Figures, check, figures, prepare, run_workers
from tests.support.postgres import PG_DSN


def run(store: str, workers: int, args: argparse.Namespace, where: Path) -> tuple[Figures, int]:
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    if store == "postgres":
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        url = f"{PG_DSN}?schema={schema}"
    else:
        url = str(where / f"{workers}.db")
    settings = Settings(url, str(where / f"keys-{store}-{workers}"))
    try:
        prepare(settings, workers, args.serials)
        records, seconds = run_workers(settings, workers, args.operations, where, args.seed,
                                       timeout_s=600 + args.operations * workers)
        result = figures(records, workers, seconds)
        ledger = UnitOfWork(settings, sign=False)
        try:
            problems = check(ledger, records)
        finally:
            ledger.close()
    finally:
        if store == "postgres":
            with psycopg.connect(PG_DSN, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    for problem in problems[:10]:
        print(f"  PROBLEM: {problem}")
    for crash in result.crashes[:3]:
        print(f"  CRASH: {crash}")
    return result, len(problems)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--workers", default="4,8")
    parser.add_argument("--operations", type=int, default=300, help="per worker")
    parser.add_argument("--serials", type=int, default=2000, help="per batch (three batches)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rows: list[list[Any]] = []
    failed = False
    for store in args.stores.split(","):
        for workers in [int(w) for w in args.workers.split(",")]:
            with temp_dir() as where:
                result, problems = run(store, workers, args, where)
            failed |= bool(problems or result.crashes)
            refused = sum(result.refused.values())
            rows.append([store, workers, result.steps, result.acknowledged, refused,
                         result.throughput, result.saves, result.conflicts,
                         100 * result.retry_rate, problems])
            print(f"{store}: {result.line()}")
    print_table(["store", "processes", "tried", "acknowledged", "refused", "ops/s", "saves",
                 "conflicts", "retry %", "problems"], rows)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
