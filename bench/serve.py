"""`ledger serve` under load: proofs and full tiles served per second, and their latency.

For each store (SQLite, PostgreSQL) and log size, a ledger of that many events is imported,
projected and checkpointed; `ledger serve --workers W` runs on 127.0.0.1 and wrk (Debian's
package: `apt-get install wrk`) requests random retirements' proofs, then random full tiles,
for a fixed time with a fixed number of connections. Beside it, the cost of the same proof in
process (`checkpoints.read_proof`, what `ledger proof` does once a checkpoint covers it), so
the service's overhead shows as a ratio. Targets on 2 cores: >= 1,000 proofs/s with
p99 < 25 ms; full tiles >= 3,000/s. Never pass/fail: it prints figures.

    python bench/serve.py [--db sqlite,postgres] [--events 100000,1000000] [--duration 10]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg

from bench.audit import operations
from bench.common import median, print_table, temp_dir, write_json
from ledger.projections import retirements
from ledger.settings import Settings
from ledger.transparency import tiles
from ledger.usecases import checkpoints, importing, projecting, setup
from ledger.usecases.unit import UnitOfWork

PG = "postgresql://postgres@127.0.0.1:5432/test"
LEDGER = str(Path(sys.executable).with_name("ledger"))
WRK_SCRIPT = """
paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
request = function() return wrk.format(nil, paths[math.random(#paths)]) end
"""


@contextmanager
def store(kind: str, tmp: Path) -> Iterator[Settings]:
    if kind == "sqlite":
        yield Settings(db=str(tmp / "serve.db"), key_dir=str(tmp / "keys"))
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield Settings(db=f"{PG}?schema={schema}", key_dir=str(tmp / "keys"))
    finally:
        with psycopg.connect(PG, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def build(settings: Settings, events: int) -> tuple[list[str], int]:
    """The ledger, projected and checkpointed: its retirement ids and the tree size."""
    setup.initialise(settings)
    uow = UnitOfWork(settings)
    try:
        importing.import_operations(uow, lines=operations(events), chunk_size=2000)
        projecting.catch_up(uow)
        size = checkpoints.sign_head(uow).tree_size
        rows = retirements.page(uow.db, limit=10**9)
        return [str(r["retirement"]) for r in rows], size
    finally:
        uow.close()


def in_process_rate(settings: Settings, ids: list[str], samples: int) -> float:
    """Proofs per second read in process, one after another."""
    uow = UnitOfWork(settings, sign=False)
    try:
        chosen = random.Random(1).choices(ids, k=samples)
        started = time.perf_counter()
        for rid in chosen:
            checkpoints.read_proof(uow, retirement=rid)
        return samples / (time.perf_counter() - started)
    finally:
        uow.close()


@contextmanager
def serving(settings: Settings, workers: int) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "LEDGER_DB": settings.location.url,
           "LEDGER_KEY_DIR": str(settings.keys.path)}
    process = subprocess.Popen([LEDGER, "serve", "--port", str(port), "--workers",
                                str(workers)], env=env, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{base}/checkpoint", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def wrk(base: str, paths: list[str], where: Path, duration: int, connections: int
        ) -> dict[str, float]:
    """Requests per second and latency percentiles (ms) from one wrk run."""
    listing = where / "paths.txt"
    listing.write_text("\n".join(paths) + "\n")
    script = where / "random.lua"
    script.write_text(WRK_SCRIPT % listing)
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency",
                          "-s", str(script), base], capture_output=True, text=True,
                         check=True).stdout
    found = {"per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}  # type: ignore[union-attr]
    for pct in ("50", "90", "99"):
        value, unit = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        found[f"p{pct}_ms"] = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    found["non_2xx"] = float(errors.group(1)) if errors else 0.0
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--events", default="100000")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--loader", choices=["wrk", "none"], default="wrk",
                        help="none: in-process figures only (the smoke test)")
    args = parser.parse_args()
    if args.loader == "wrk" and shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk (or --loader none)")
    rows, results = [], []
    for kind in args.db.split(","):
        for events in (int(e) for e in args.events.split(",")):
            with temp_dir() as tmp, store(kind, tmp) as settings:
                started = time.perf_counter()
                ids, size = build(settings, events)
                built_s = time.perf_counter() - started
                local = median([in_process_rate(settings, ids, args.samples)
                                for _ in range(args.runs)])
                result: dict[str, Any] = {"db": kind, "events": size, "retirements": len(ids),
                                          "build_s": built_s, "in_process_proofs_per_s": local}
                if args.loader == "wrk":
                    full = [t.path for t in tiles.tiles_of(size) if t.full and not t.entries]
                    proofs = [f"/api/v1/retirements/{r}/proof" for r in ids]
                    with serving(settings, args.workers) as base:
                        for name, paths in (("proofs", proofs), ("tiles", [f"/{p}" for p in full])):
                            runs = [wrk(base, paths, tmp, args.duration, args.connections)
                                    for _ in range(args.runs)] if paths else []
                            result[name] = {k: median([r[k] for r in runs]) for k in
                                            (runs[0] if runs else {})}
                results.append(result)
                served = result.get("proofs", {})
                rows.append([kind, size, local, served.get("per_s", 0.0),
                             served.get("p99_ms", 0.0), result.get("tiles", {}).get("per_s", 0.0),
                             served.get("per_s", 0.0) / local if local else 0.0])
    print_table(["db", "events", "in-process proofs/s", "served proofs/s", "p99 ms",
                 "full tiles/s", "served / in-process"], rows)
    path = write_json("serve", {"workers": args.workers, "connections": args.connections,
                                "duration_s": args.duration, "runs": args.runs,
                                "results": results})
    print(f"figures in {path}")


if __name__ == "__main__":
    main()
