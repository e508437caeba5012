"""The ledger against the floor it stands on, side by side in one run, on SQLite and PostgreSQL.

1. single operations: reserve, settle and retire through the Ledger application (signed,
   verified, 2 events and one atomic save each) versus raw eventsourcing doing the same work:
   two minimal unsigned aggregates, one event each, saved together in one atomic save, on the
   same kind of store, measured in alternating blocks (median of the per-run ratios);
2. bulk import: operations per second for `ledger import`-style chunks, versus raw
   eventsourcing's batched events per second (1,000 new aggregates per save) in the same run;
   and the same import deciding only (saves left out), which bounds the ratio: decisions plus
   the floor's cost for the events they make;
3. flat cost: the same reserve/settle/retire cycle with 10^3 .. 10^6 events already in the
   store (filler events written straight through the recorder), and a cold load of a batch
   that has 10 versus N events of its own (snapshots keep it flat).

    .venv/bin/python bench/ledger_ops.py [--stores sqlite,postgres] [--cycles 200]
        [--bulk 100000] [--sizes 1000,10000,100000,1000000] [--runs 3]
        [--only single,bulk,flat,cold]

Prints tables and writes bench/results/ledger_ops.json. Never asserts on time.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import StoredEvent

from bench.common import median, print_table, temp_dir, write_json
from ledger.settings import Settings
from ledger.usecases import holdings, importing, reservations, setup
from ledger.usecases.unit import UnitOfWork
from tests.support.builders import example_data

LEAF = "ART:ART102-2021-11"
PG = "postgresql://postgres@127.0.0.1:5432/test"


class Counter(Aggregate):
    @event("Created")
    def __init__(self) -> None:
        self.count = 0

    @event("Incremented")
    def increment(self) -> None:
        self.count += 1


class RawApp(Application[uuid.UUID]):
    """The floor: the library's plain mapper, one small event per save, nothing else."""

    name = "Raw"


class ScratchStore:
    """A fresh store location (SQLite file or PostgreSQL schema), cleaned up afterwards."""

    def __init__(self, kind: str, tmp: Path) -> None:
        self.kind, self.tmp = kind, tmp
        self.schema = f"bench_{uuid.uuid4().hex[:10]}"
        if kind == "postgres":
            with psycopg.connect(PG, autocommit=True) as conn:
                conn.execute(f'CREATE SCHEMA "{self.schema}"')

    def url(self, name: str) -> str:
        if self.kind == "postgres":
            return f"{PG}?schema={self.schema}"
        return str(self.tmp / f"{name}.db")

    def close(self) -> None:
        if self.kind == "postgres":
            with psycopg.connect(PG, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{self.schema}" CASCADE')


def fresh_ledger(store: ScratchStore, name: str) -> UnitOfWork:
    settings = Settings(db=store.url(name), key_dir=str(store.tmp / f"{name}.keys"))
    setup.initialise(settings)
    first = UnitOfWork(settings)
    first.close()
    ledger = UnitOfWork(settings)
    document = example_data("LEAF")
    document.update(serial_last=10_000_000, quantity=10_000_000,
                    serial_native="ART-CR-102-2021-11-1 to 10000000")
    importing.import_operations(ledger, lines=[
        json.dumps({"op": "mint", "document": document}),
        json.dumps({"op": "open_account", "handle": "acme", "name": "Acme", "role": "buyer",
                    "climate_pledge": True})])
    return ledger


def time_ops(ledger: UnitOfWork, cycles: int) -> dict[str, float]:
    """Seconds per operation kind over ``cycles`` reserve -> settle -> retire cycles."""
    spent = {"reserve": 0.0, "settle": 0.0, "retire": 0.0}
    for _ in range(cycles):
        t0 = time.perf_counter()
        reservation = reservations.reserve(ledger, buyer="acme", quantity=3, batch=LEAF).reservation
        t1 = time.perf_counter()
        reservations.settle(ledger, reservation=reservation)
        t2 = time.perf_counter()
        holdings.retire(ledger, holder="acme", batch=LEAF, quantity=3, beneficiary="Acme",
                        reason="claim", claim_period="2025")
        t3 = time.perf_counter()
        spent["reserve"] += t1 - t0
        spent["settle"] += t2 - t1
        spent["retire"] += t3 - t2
    return {k: cycles / v for k, v in spent.items()}


class RawPair:
    """The floor a single operation stands on: two aggregates, one new event each, saved
    together atomically."""

    def __init__(self, store: ScratchStore) -> None:
        self.app = RawApp(ledger_env(store, "raw"))
        self.first, self.second = Counter(), Counter()
        self.app.save(self.first, self.second)

    def saves_per_s(self, saves: int) -> float:
        started = time.perf_counter()
        for _ in range(saves):
            self.first.increment()
            self.second.increment()
            self.app.save(self.first, self.second)
        return saves / (time.perf_counter() - started)

    def close(self) -> None:
        self.app.close()


def raw_batched_rate(store: ScratchStore, events: int, per_save: int = 1000) -> float:
    """Events per second of the floor a bulk import stands on: batches of ``per_save`` new
    aggregates (one event each) per save."""
    per_save = max(1, min(per_save, events))
    app = RawApp(ledger_env(store, "raw-batched"))
    started = time.perf_counter()
    for _ in range(events // per_save):
        app.save(*[Counter() for _ in range(per_save)])
    rate = events // per_save * per_save / (time.perf_counter() - started)
    app.close()
    return rate


def ledger_env(store: ScratchStore, name: str) -> dict[str, str]:
    from ledger.store.location import StoreLocation as Location

    return Location(store.url(name)).env(create_tables=True)


def single_operations(kind: str, cycles: int, runs: int, block: int = 25) -> dict[str, Any]:
    """Each run: the floor and the ledger on fresh stores, warmed up, then measured in
    alternating blocks of ``block`` cycles (3 operations, 3 raw saves each), so that both see
    the same moments of a noisy machine; rates are each side's operations over its own time."""
    rates: dict[str, list[float]] = {"raw": [], "reserve": [], "settle": [], "retire": []}
    ratios: dict[str, list[float]] = {"reserve": [], "settle": [], "retire": []}
    for _ in range(runs):
        with temp_dir() as tmp:
            store = ScratchStore(kind, tmp)
            try:
                raw = RawPair(store)
                ledger = fresh_ledger(store, "ops")
                raw.saves_per_s(3 * block)
                time_ops(ledger, block)  # warm: first loads, caches
                raw_s, spent = 0.0, {"reserve": 0.0, "settle": 0.0, "retire": 0.0}
                for _ in range(max(1, cycles // block)):
                    raw_s += 3 * block / raw.saves_per_s(3 * block)
                    for op, rate in time_ops(ledger, block).items():
                        spent[op] += block / rate
                done = max(1, cycles // block) * block
                rates["raw"].append(3 * done / raw_s)
                for op, seconds in spent.items():
                    rates[op].append(done / seconds)
                    ratios[op].append(rates[op][-1] / rates["raw"][-1])
                raw.close()
                ledger.close()
            finally:
                store.close()
    medians = {k: median(v) for k, v in rates.items()}
    return {"runs": rates, "median_ops_per_s": medians,
            "ratio_to_raw": {k: median(v) for k, v in ratios.items()}}


def bulk_lines(operations: int) -> list[str]:
    lines = []
    for i in range(operations // 3):
        key = f"po-{i}"
        lines += [
            json.dumps({"op": "reserve", "buyer": "acme", "quantity": 3, "batch": LEAF,
                        "idempotency_key": key}),
            json.dumps({"op": "settle", "reservation": key}),
            json.dumps({"op": "retire", "holder": "acme", "batch": LEAF, "quantity": 2,
                        "beneficiary": "Acme", "reason": "claim", "claim_period": "2025",
                        "idempotency_key": f"r-{i}"}),
        ]
    return lines


def bulk_import(kind: str, operations: int, runs: int) -> dict[str, Any]:
    """The import against raw batched events/s in the same run; and the same import with
    its saves left out (decisions only), which bounds the ratio: were the ledger's only cost
    beyond the floor its decisions, an operation would take its decision's time plus the
    floor's time for its events."""
    rates, raw, decisions, per_op = [], [], [], []
    lines = bulk_lines(operations)
    for _ in range(runs):
        with temp_dir() as tmp:
            store = ScratchStore(kind, tmp)
            try:
                raw.append(raw_batched_rate(store, len(lines)))
                ledger = fresh_ledger(store, "bulk")
                before = ledger.events.head()
                report = importing.import_operations(ledger, lines=lines, chunk_size=1000)
                rates.append(report.operations / report.seconds)
                per_op.append((ledger.events.head() - before) / report.operations)
                ledger.close()
            finally:
                store.close()
            store = ScratchStore(kind, tmp)
            try:
                ledger = fresh_ledger(store, "decisions")
                decisions.append(decisions_only_rate(ledger, lines))
                ledger.close()
            finally:
                store.close()
    events_per_op = median(per_op)
    bound = 1 / (1 / median(decisions) + events_per_op / median(raw))
    return {"operations": len(lines), "runs": rates, "median_ops_per_s": median(rates),
            "raw_batched_events_per_s": median(raw),
            "ratio_to_raw": median(rates) / median(raw),
            "events_per_operation": events_per_op,
            "decisions_only_ops_per_s": median(decisions),
            "bound_ops_per_s": bound, "bound_ratio": bound / median(raw)}


def decisions_only_rate(ledger: UnitOfWork, lines: list[str]) -> float:
    """Operations per second of the import with every save replaced by marking the events
    saved (no payload, no signature, no store): what deciding alone costs."""
    cache = ledger.events.repository.cache
    assert cache is not None

    def record(changed: list[Any]) -> None:
        for aggregate in changed:
            aggregate.collect_events()
            cache.put(aggregate.id, aggregate)

    ledger.events.record = record  # type: ignore[method-assign]
    report = importing.import_operations(ledger, lines=lines, chunk_size=1000)
    return report.operations / report.seconds


def fill(ledger: UnitOfWork, events: int) -> None:
    """Filler events straight through the recorder, 5,000 per insert: the store grows, the
    measured aggregates do not."""
    written = 0
    while written < events:
        chunk = min(5000, events - written)
        ledger.events.recorder.insert_events([
            StoredEvent(uuid.uuid4(), 1, "bench:Filler", b'{"filler":true}')
            for _ in range(chunk)
        ])
        written += chunk


def analyze(store: ScratchStore, ledger: UnitOfWork) -> None:
    """Refresh PostgreSQL's planner statistics after a bulk fill, as autovacuum would soon."""
    if store.kind == "postgres":
        with psycopg.connect(PG, autocommit=True) as conn:
            conn.execute(f'ANALYZE "{store.schema}".ledger_events')


def flat_cost(kind: str, sizes: list[int], cycles: int) -> dict[str, Any]:
    rows = {}
    with temp_dir() as tmp:
        store = ScratchStore(kind, tmp)
        try:
            ledger = fresh_ledger(store, "flat")
            in_store = ledger.events.recorder.max_notification_id() or 0
            for size in sizes:
                fill(ledger, size - in_store)
                in_store = max(size, in_store)
                analyze(store, ledger)
                rates = time_ops(ledger, cycles)
                rows[size] = {"us_per_op": {k: 1e6 / v for k, v in rates.items()}}
            ledger.close()
        finally:
            store.close()
    first, last = rows[sizes[0]]["us_per_op"], rows[sizes[-1]]["us_per_op"]
    return {"sizes": rows, "growth": {k: last[k] / first[k] for k in first}}


def cold_load(kind: str, own_events: list[int]) -> dict[str, Any]:
    """Seconds to load a batch in a fresh process-like application, by its own event count."""
    result = {}
    for count in own_events:
        with temp_dir() as tmp:
            store = ScratchStore(kind, tmp)
            try:
                ledger = fresh_ledger(store, "cold")
                importing.import_operations(
                    ledger, lines=bulk_lines(count // 2 * 3)[: count // 2 * 3], chunk_size=2000)
                settings = Settings(db=store.url("cold"), key_dir=str(tmp / "cold.keys"))
                samples = []
                for _ in range(5):
                    app = UnitOfWork(settings)
                    started = time.perf_counter()
                    batch = app.load_batch(LEAF)
                    samples.append(time.perf_counter() - started)
                    app.close()
                result[batch.version] = {"load_ms": median(samples) * 1000}
                ledger.close()
            finally:
                store.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--cycles", type=int, default=200)
    parser.add_argument("--bulk", type=int, default=100_000)
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--cold", default="10,100000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default="single,bulk,flat,cold")
    args = parser.parse_args()
    only = set(args.only.split(","))
    sizes = [int(s) for s in args.sizes.split(",")]
    results: dict[str, Any] = {}
    for kind in args.stores.split(","):
        results[kind] = {}
        if "single" in only:
            single = results[kind]["single"] = single_operations(kind, args.cycles, args.runs)
            m = single["median_ops_per_s"]
            print(f"\n{kind}: single operations (median of {args.runs} runs)")
            print_table(["operation", "ops/s", "vs raw"], [
                ["raw: 2 aggregates, 1 event each, 1 save", m["raw"], "1.00"],
                *[[op, m[op], f"{single['ratio_to_raw'][op]:.2f}"]
                  for op in ("reserve", "settle", "retire")],
            ])
        if "bulk" in only:
            bulk = results[kind]["bulk"] = bulk_import(kind, args.bulk, max(1, args.runs - 1))
            print(f"{kind}: bulk import {bulk['median_ops_per_s']:,.0f} operations/s "
                  f"({bulk['operations']:,} operations); raw batched "
                  f"{bulk['raw_batched_events_per_s']:,.0f} events/s; ratio "
                  f"{bulk['ratio_to_raw']:.2f}\n  decisions alone "
                  f"{bulk['decisions_only_ops_per_s']:,.0f} ops/s; "
                  f"{bulk['events_per_operation']:.2f} events an operation; bound with "
                  f"the floor's cost for them {bulk['bound_ops_per_s']:,.0f} ops/s = ratio "
                  f"{bulk['bound_ratio']:.2f}")
        if "flat" in only:
            flat = results[kind]["flat"] = flat_cost(kind, sizes, args.cycles)
            print_table(["events in store", "reserve us", "settle us", "retire us"], [
                [size, *[row["us_per_op"][op] for op in ("reserve", "settle", "retire")]]
                for size, row in flat["sizes"].items()
            ])
            print("cost at the largest size / at the smallest: "
                  + ", ".join(f"{k} {v:.2f}x" for k, v in flat["growth"].items()))
        if "cold" in only:
            cold = results[kind]["cold_load"] = cold_load(
                kind, [int(c) for c in args.cold.split(",")])
            print_table(["batch events", "cold load ms"],
                        [[n, row["load_ms"]] for n, row in cold.items()])
    print(f"\nwrote {write_json('ledger_ops', {'args': vars(args), 'results': results})}")


if __name__ == "__main__":
    main()
