"""`ledger audit` speed and memory: events per second with every signature checked, and the
peak resident memory of the audit process, for logs of growing size (bounded memory shows as
a flat peak while the log grows).

    .venv/bin/python bench/audit.py [--events 10000,100000] [--jobs 2] [--runs 3]
        [--db sqlite|postgres]

The history is written through `ledger import` (reserve, settle and retire cycles for 200
buyers on one batch), whose own rate and peak memory are reported too; each audit runs as its
own process. Prints a table and writes
bench/results/audit.json. Never asserts on time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg

from bench.common import median, print_table, temp_dir, write_json
from tests.support.builders import example_data

PG = "postgresql://postgres@127.0.0.1:5432/test"
LEDGER = str(Path(sys.executable).with_name("ledger"))


def operations(events: int) -> list[str]:
    """About ``events`` events: each operation writes two."""
    document = example_data("LEAF")
    document.update(serial_last=50_000_000, quantity=50_000_000,
                    serial_native="ART-CR-102-2021-11-1 to 50000000")
    lines = [json.dumps({"op": "mint", "document": document})]
    buyers = 200
    lines += [json.dumps({"op": "open_account", "handle": f"b{i}", "name": f"B{i}",
                          "role": "buyer", "climate_pledge": True}) for i in range(buyers)]
    i = 0
    while len(lines) * 2 < events:
        b, key = f"b{i % buyers}", f"po-{i}"
        lines += [
            json.dumps({"op": "reserve", "buyer": b, "quantity": 3,
                        "batch": "ART:ART102-2021-11", "idempotency_key": key}),
            json.dumps({"op": "settle", "reservation": key}),
            json.dumps({"op": "retire", "holder": b, "batch": "ART:ART102-2021-11",
                        "quantity": 2, "beneficiary": b, "reason": "claim",
                        "claim_period": "2025", "idempotency_key": f"r-{i}"}),
        ]
        i += 1
    return lines


def ledger(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([LEDGER, *args], capture_output=True, text=True, check=False)


def peak_run(*args: str) -> tuple[float, float, str]:
    """Run ``ledger ARGS`` as a child: (seconds, its peak RSS in MB, its stdout)."""
    started = time.perf_counter()
    child = subprocess.Popen([LEDGER, *args], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
    assert child.stdout is not None
    out = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    if status != 0:
        raise SystemExit(f"ledger {args[0]} failed ({status})")
    return time.perf_counter() - started, usage.ru_maxrss / 1024, out


def measure(db: str, key_dir: str, jobs: int) -> tuple[float, int, float]:
    """One audit in a child process: (events/s, events, peak RSS of that process in MB).
    The signature workers are its children and are not counted: they hold one page each."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [LEDGER, "audit", "--db", db, "--key-dir", key_dir, "--jobs", str(jobs), "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert child.stdout is not None
    out = child.stdout.read()
    _, _, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    report = json.loads(out)
    if not report["clean"]:
        raise SystemExit(f"audit not clean: {report['problems'][:3]}")
    return report["events"] / seconds, report["events"], usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", default="10000,100000")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    rows, results = [], {}
    for size in (int(s) for s in args.events.split(",")):
        with temp_dir() as tmp:
            schema = f"bench_{uuid.uuid4().hex[:10]}"
            if args.db == "postgres":
                with psycopg.connect(PG, autocommit=True) as conn:
                    conn.execute(f'CREATE SCHEMA "{schema}"')
            db = f"{PG}?schema={schema}" if args.db == "postgres" else str(tmp / "audit.db")
            keys = str(tmp / "keys")
            try:
                ledger("init", "--db", db, "--key-dir", keys)
                lines = operations(size)
                operations_count = len(lines)
                (tmp / "ops.jsonl").write_text("\n".join(lines) + "\n")
                import_s, import_mb, _ = peak_run(
                    "import", str(tmp / "ops.jsonl"), "--db", db, "--key-dir", keys,
                    "--batch-size", "5000")
                del lines
                ledger("checkpoint", "--db", db, "--key-dir", keys)
                ledger("project", "--db", db, "--key-dir", keys)
                runs = [measure(db, keys, args.jobs) for _ in range(args.runs)]
            finally:
                if args.db == "postgres":
                    with psycopg.connect(PG, autocommit=True) as conn:
                        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        rate = median([r[0] for r in runs])
        results[size] = {"events": runs[0][1], "events_per_s": [r[0] for r in runs],
                         "median_events_per_s": rate, "peak_rss_mb": runs[-1][2],
                         "import_operations": operations_count,
                         "import_ops_per_s": operations_count / import_s,
                         "import_peak_rss_mb": import_mb}
        rows.append([runs[0][1], rate, runs[-1][2], operations_count,
                     operations_count / import_s, import_mb])
    print_table(["events", f"audit events/s (median, --jobs {args.jobs})", "audit peak MB",
                 "imported operations", "import ops/s", "import peak MB"], rows)
    print(f"wrote {write_json('audit', {'args': vars(args), 'results': results})}")


if __name__ == "__main__":
    main()
