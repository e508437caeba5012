"""`ledger reconcile` at scale: a 200,000-row ART retirement report against a ledger of its size.

The ledger: ``--batches`` ART batches, each retired in many small retirements by the operator
on a buyer's behalf, every retirement for another beneficiary than its neighbours (so each is
its own ledger block), built with ``import_operations`` in large transactions. The export: the
ART retirement report of those retirements, each split over ``--rows-per-retirement`` rows as
the registry splits blocks (``…-1 to 1400`` and ``…-1401 to 1408``), with four differences
planted: a beneficiary changed, a retirement left out, a row for a batch never minted, and a
row repeated.

    .venv/bin/python bench/reconcile.py [--rows 200000] [--rows-per-retirement 2]
        [--batches 200] [--runs 3]

Times ``ledger reconcile EXPORT --json -o REPORT`` in a subprocess: wall and CPU time (median
of ``--runs``; CPU time is the steadier figure on a shared machine), rows per second, and the
process's peak RSS (``wait4``'s ``ru_maxrss``) next to that of the same command's ``--help``
(interpreter and imports). Checks that the report names exactly the planted differences.
Prints a table and writes bench/results/reconcile.json. Never asserts on time.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import median, print_table, temp_dir, write_json
from ledger.reconcile.readers import read_export
from ledger.settings import Settings
from ledger.usecases import importing, setup
from ledger.usecases.unit import UnitOfWork
from tests.application.test_reconcile_store import art_retirements
from tests.support.builders import example_data

CREDITS_PER_ROW = 5
UNRETIRED_PER_BATCH = 1_000
NAMES = 50
PLANTED = {"missing_in_ledger": 1, "status_mismatch": 1, "beneficiary_mismatch": 1,
           "double_mint": 1}


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def operations(batches: int, per_batch: int, rows_per: int) -> Iterator[str]:
    """Open the buyer, then per batch: mint it and retire it ``per_batch`` times."""
    yield json.dumps({"op": "open_account", "handle": "acme", "name": "Acme",
                      "role": "buyer", "climate_pledge": True})
    size = per_batch * rows_per * CREDITS_PER_ROW + UNRETIRED_PER_BATCH
    for b in range(1, batches + 1):
        document = example_data("LEAF") | {
            "issuance_id": f"ART102-2021-{b}", "serial_native": f"ART-CR-102-2021-{b}-1 to {size}",
            "serial_first": 1, "serial_last": size, "quantity": size, "buffer_quantity": size // 10,
        }
        yield json.dumps({"op": "mint", "document": document})
        for k in range(per_batch):
            yield json.dumps({
                "op": "retire", "holder": "operator", "on_behalf_of": "acme",
                "batch": f"ART:ART102-2021-{b}", "quantity": rows_per * CREDITS_PER_ROW,
                "beneficiary": beneficiary(k), "reason": "bench", "claim_period": "2025",
            })


def beneficiary(k: int) -> str:
    return f"Beneficiary {k % NAMES} Ltd"


def report_rows(batches: int, per_batch: int, rows_per: int) -> Iterator[tuple[str, str]]:
    """The registry's report of those retirements, with the four planted differences."""
    for b in range(1, batches + 1):
        for k in range(per_batch):
            if (b, k) == (2, per_batch - 1):
                continue  # left out: the ledger's retirement is a status mismatch
            name = "Someone Else Ltd" if (b, k) == (1, 0) else beneficiary(k)
            for r in range(rows_per):
                first = (k * rows_per + r) * CREDITS_PER_ROW + 1
                yield f"ART-CR-102-2021-{b}-{first} to {first + CREDITS_PER_ROW - 1}", name
    yield f"ART-CR-102-2021-{batches + 1}-1 to 10", "Acme Corp"  # a batch never minted
    yield f"ART-CR-102-2021-3-1 to {CREDITS_PER_ROW}", beneficiary(0)  # a row repeated


def build(settings: Settings, batches: int, per_batch: int, rows_per: int) -> dict[str, Any]:
    setup.initialise(settings)
    ledger = UnitOfWork(settings)
    try:
        ops = operations(batches, per_batch, rows_per)
        report = importing.import_operations(
            ledger, lines=ops, chunk_size=5_000,
            progress=lambda what, done, total=None: say(f"  {what}: {done:,}"))
        return {**report.to_json(), "events": ledger.events.head()}
    finally:
        ledger.close()


# Peak RSS is read by a small helper that starts the command: a child forked straight from
# this (large) process would report this process's resident pages as its own peak.
MEASURE = """
import os, subprocess, sys, time
started = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
cpu = usage.ru_utime + usage.ru_stime
print(os.waitstatus_to_exitcode(status), time.perf_counter() - started, cpu, usage.ru_maxrss)
"""


def run_reconcile(args: list[str]) -> tuple[int, float, float, int]:
    """Exit code, wall and CPU seconds, and peak RSS (MiB) of one ``ledger`` process."""
    command = [str(Path(sys.executable).with_name("ledger")), *args]
    measured = subprocess.run([sys.executable, "-c", MEASURE, *command], capture_output=True,
                              text=True, check=True).stdout.split()
    return int(measured[0]), float(measured[1]), float(measured[2]), int(measured[3]) // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--rows-per-retirement", type=int, default=2)
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.batches < 3:
        parser.error("--batches: expected at least 3, the differences are planted in batches 1-3")
    rows_per = args.rows_per_retirement
    per_batch = args.rows // rows_per // args.batches
    with temp_dir() as tmp:
        settings = Settings(db=str(tmp / "bench.db"), key_dir=str(tmp / "keys"))
        retirements = args.batches * per_batch
        say(f"building the ledger: {args.batches} batches, {retirements:,} retirements")
        imported = build(settings, args.batches, per_batch, rows_per)
        export = art_retirements(tmp / "retirements.csv",
                                 *report_rows(args.batches, per_batch, rows_per))
        started = time.perf_counter()
        rows = sum(1 for _ in read_export(export))
        parse_s = time.perf_counter() - started
        say(f"export: {rows:,} rows ({export.stat().st_size / 2**20:.1f} MiB), parsed alone "
            f"in {parse_s:.1f} s")
        where = ["--db", settings.location.url, "--key-dir", str(settings.keys.path)]
        *_, baseline_mib = run_reconcile(["reconcile", "--help"])
        runs: list[dict[str, float]] = []
        for n in range(args.runs):
            result = tmp / "report.json"
            code, seconds, cpu, rss_mib = run_reconcile(
                ["reconcile", str(export), "--json", "-o", str(result), *where])
            found = {k: v for k, v in json.loads(result.read_text())["summary"].items() if v}
            if code != 5 or found != PLANTED:
                raise SystemExit(f"expected exit 5 and {PLANTED}, found exit {code} and {found}")
            runs.append({"seconds": seconds, "cpu_seconds": cpu, "rows_per_s": rows / seconds,
                         "peak_rss_mib": rss_mib})
            say(f"  run {n + 1}: {seconds:.1f} s ({cpu:.1f} s CPU), {rows / seconds:,.0f} rows/s, "
                f"{rss_mib} MiB")
    seconds = median([r["seconds"] for r in runs])
    cpu = median([r["cpu_seconds"] for r in runs])
    summary = {
        "rows": rows, "ledger_batches": args.batches, "ledger_retirements": retirements,
        "ledger_events": imported["events"], "rows_per_retirement": rows_per,
        "import_operations_per_s": imported["operations_per_second"],
        "export_parse_rows_per_s": rows / parse_s,
        "median_seconds": seconds, "median_rows_per_s": rows / seconds,
        "median_cpu_seconds": cpu, "rows_per_cpu_s": rows / cpu,
        "peak_rss_mib_max": max(r["peak_rss_mib"] for r in runs),
        "baseline_rss_mib": baseline_mib, "differences_found": PLANTED,
    }
    print_table(["rows", "ledger retirements", "median s", "rows/s", "CPU s", "rows/CPU s",
                 "peak RSS MiB", "baseline MiB", "parse-only rows/s"],
                [[rows, retirements, seconds, rows / seconds, cpu, rows / cpu,
                  summary["peak_rss_mib_max"], baseline_mib, rows / parse_s]])
    path = write_json("reconcile", {"args": vars(args), "summary": summary, "runs": runs})
    say(f"wrote {path}")


if __name__ == "__main__":
    main()
