"""Transparency log: proof generation time against log size, and the append cost per event.

1. proofs: a stored log of N leaves (10^4, 10^5, 10^6) is built through the same tables and
   CompactRange the `merkle_log` projection uses (synthetic leaves, written in bulk), then the
   inclusion proof of random leaves is generated from the stored subtree hashes exactly as
   `ledger proof` does (one prefetching query, then RFC 9162 PATH); median and p99;
2. append: the real `merkle_log` projection catching up a real signed history (events/s and
   microseconds per event), next to the same catch-up of no projection work at all.

    .venv/bin/python bench/proofs.py [--sizes 10000,100000,1000000] [--samples 500]
        [--db sqlite,postgres] [--events 5000]

Prints tables and writes bench/results/proofs.json. Never asserts on time.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg

from bench.common import median, print_table, temp_dir, write_json
from ledger.projections.connect import open_database
from ledger.projections.merkle_log import MerkleLog, prefetched
from ledger.projections.runner import Database, Runner, catch_up
from ledger.settings import Settings
from ledger.store.location import StoreLocation
from ledger.transparency import merkle
from ledger.usecases import importing, setup
from ledger.usecases.unit import UnitOfWork

PG = "postgresql://postgres@127.0.0.1:5432/test"


def location(kind: str, tmp: Path) -> tuple[str, str | None]:
    if kind == "sqlite":
        return str(tmp / "proofs.db"), None
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return f"{PG}?schema={schema}", schema


def drop(schema: str | None) -> None:
    if schema:
        with psycopg.connect(PG, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def build_log(db: Database, size: int) -> bytes:
    """Append ``size`` synthetic leaves through CompactRange; store every completed node."""
    for statement in MerkleLog.ddl:
        db.execute(statement)
    tree, pending = merkle.CompactRange(), []
    for i in range(size):
        pending += tree.append(hashlib.sha256(i.to_bytes(8, "big")).digest())
        if len(pending) >= 20_000 or i == size - 1:
            with db.locked("bench") as tx:
                insert_nodes(tx, pending)
            pending = []
    return tree.root()


def insert_nodes(tx: Database, nodes: list[tuple[int, int, bytes]]) -> None:
    for start in range(0, len(nodes), 500):
        chunk = nodes[start:start + 500]
        values = ", ".join("(?, ?, ?)" for _ in chunk)
        tx.execute(f"INSERT INTO merkle_nodes (level, idx, hash) VALUES {values}",
                   [v for node in chunk for v in node])


def proof_times(db: Database, size: int, root: bytes, samples: int) -> list[float]:
    times = []
    for index in random.sample(range(size), min(samples, size)):
        started = time.perf_counter()
        path = merkle.inclusion_proof(
            index, size, prefetched(db, lambda r, i=index: merkle.inclusion_proof(i, size, r)))
        times.append(time.perf_counter() - started)
        leaf = hashlib.sha256(index.to_bytes(8, "big")).digest()
        merkle.verify_inclusion(leaf, index, size, path, root)
    return times


def append_cost(kind: str, events: int) -> dict[str, Any]:
    with temp_dir() as tmp:
        url, schema = location(kind, tmp)
        try:
            settings = Settings(db=url, key_dir=str(tmp / "keys"))
            setup.initialise(settings)
            ledger = UnitOfWork(settings)
            from bench.audit import operations

            importing.import_operations(ledger, lines=operations(events), chunk_size=2000)
            db = open_database(StoreLocation(url))
            head = ledger.events.recorder.max_notification_id() or 0
            started = time.perf_counter()
            catch_up([Runner(ledger.events, db, MerkleLog())])
            seconds = time.perf_counter() - started
            db.close()
            ledger.close()
        finally:
            drop(schema)
    return {"events": head, "events_per_s": head / seconds, "us_per_event": 1e6 * seconds / head}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--events", type=int, default=5000)
    args = parser.parse_args()
    results: dict[str, Any] = {}
    for kind in args.db.split(","):
        rows, proofs = [], {}
        for size in (int(s) for s in args.sizes.split(",")):
            with temp_dir() as tmp:
                url, schema = location(kind, tmp)
                try:
                    db = open_database(StoreLocation(url)) if kind == "postgres" else \
                        _sqlite(Path(url))
                    root = build_log(db, size)
                    times = sorted(proof_times(db, size, root, args.samples))
                    db.close()
                finally:
                    drop(schema)
            p50, p99 = median(times) * 1000, times[int(len(times) * 0.99) - 1] * 1000
            proofs[size] = {"median_ms": p50, "p99_ms": p99, "samples": len(times)}
            rows.append([size, p50, p99])
        append = append_cost(kind, args.events)
        results[kind] = {"proofs": proofs, "append": append}
        print(f"\n{kind}: inclusion proof generation from stored subtree hashes")
        print_table(["log size", "median ms", "p99 ms"], rows)
        print(f"merkle_log append (catch-up of {append['events']} real events): "
              f"{append['events_per_s']:,.0f} events/s, {append['us_per_event']:.0f} us/event")
    print(f"\nwrote {write_json('proofs', {'args': vars(args), 'results': results})}")


def _sqlite(path: Path) -> Database:
    from ledger.projections.runner import SQLiteDatabase

    return SQLiteDatabase(str(path), 30.0)


if __name__ == "__main__":
    main()
