"""Projection catch-up rates and lag, on SQLite and PostgreSQL.

A history of N events is written through the Ledger API on SQLite (mint, then reserve, settle
or release, transfer and retire in a loop); PostgreSQL gets a copy of the same signed events.
For each store, each projection is rebuilt from zero ``--runs`` times and the median catch-up
rate is reported in log events per second. ``decode only`` decodes and verifies every event
and writes nothing (a projection decodes only the events it reads); ``all four`` is what
``ledger project`` does, sharing decoded events. Then a ``ledger project --follow`` process
runs while the ledger writes, and its lag (head - position, in events; in milliseconds at the
write rate) is sampled every 50 ms. Medians of ``--runs`` runs throughout. Never asserts on
time.

    .venv/bin/python bench/projections.py [--events 100000] [--db sqlite|postgres|both] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg
from eventsourcing.persistence import StoredEvent

from bench.common import median, print_table, temp_dir, timed, write_json
from ledger.projections.connect import open_database
from ledger.projections.registry import PROJECTIONS
from ledger.projections.runner import Database, catch_up, read_position
from ledger.settings import Settings
from ledger.usecases import accounts, holdings, minting, reservations, setup
from ledger.usecases.projecting import runners
from ledger.usecases.unit import UnitOfWork
from tests.support.builders import issuance

PG_DSN = os.environ.get("LEDGER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
BUYERS = [f"buyer-{i}" for i in range(8)]
BATCH_ROUNDS = 200  # rounds of use cases per batch, so no aggregate grows without bound


class Writer:
    """Writes a valid history fast: each round reserves, then settles, transfers and retires
    (or releases), about 8 events. ``after`` resumes, on a new batch, after an earlier writer."""

    def __init__(self, ledger: UnitOfWork, after: int = 0) -> None:
        start = -(-after // BATCH_ROUNDS) * BATCH_ROUNDS  # the next batch's first round
        self.ledger, self.round, self.batch = ledger, start, ""
        for handle in BUYERS if after == 0 else []:
            accounts.open_account(ledger, handle=handle, name=handle, role="buyer",
                                  climate_pledge=True, scope_targets=[])

    def until(self, events: int) -> None:
        while (self.ledger.events.recorder.max_notification_id() or 0) < events:
            self.step()

    def step(self) -> None:
        ledger, n = self.ledger, self.round
        self.round += 1
        if n % BATCH_ROUNDS == 0:
            first = n * 100 + 1
            self.batch = minting.mint(ledger, document=issuance("DAC", f"B-{n}", first=first,
                                              last=first + 100 * BATCH_ROUNDS - 1)).batch
        buyer, other = BUYERS[n % len(BUYERS)], BUYERS[(n + 1) % len(BUYERS)]
        reservation = reservations.reserve(
            ledger, buyer=buyer, quantity=10, batch=self.batch).reservation
        if n % 7 == 0:
            reservations.release(ledger, reservation=reservation)
            return
        reservations.settle(ledger, reservation=reservation)
        holdings.transfer(ledger, sender=buyer, recipient=other, batch=self.batch, quantity=3)
        holdings.retire(ledger, holder=buyer, batch=self.batch, quantity=4,
                        beneficiary=f"{buyer} Inc", reason="offsetting", claim_period="2025")


def copy_log(source: UnitOfWork, target: UnitOfWork) -> None:
    """The same signed events, in the same order, into another store."""
    start = 1
    while page := source.events.recorder.select_notifications(start, 2000):
        target.events.recorder.insert_events([
            StoredEvent(n.originator_id, n.originator_version, n.topic, n.state) for n in page
        ])
        start = page[-1].id + 1


def rates(settings: Settings, runs: int) -> dict[str, float]:
    """Median log events per second: decoding alone, each projection, all four together."""
    found: dict[str, list[float]] = {}
    for _ in range(runs):
        for name in ["decode only", *PROJECTIONS, "all four"]:
            with opened(settings) as (ledger, db):
                head = ledger.events.recorder.max_notification_id() or 0
                found.setdefault(name, []).append(head / rebuild_seconds(name, ledger, db))
    return {name: median(values) for name, values in found.items()}


def rebuild_seconds(name: str, ledger: UnitOfWork, db: Database) -> float:
    if name == "decode only":
        return timed(lambda: decode_all(ledger))
    chosen = runners(ledger, list(PROJECTIONS) if name == "all four" else [name])
    for runner in chosen:
        runner.rebuild()
    return timed(lambda: catch_up(chosen))


def decode_all(ledger: UnitOfWork) -> None:
    start = 1
    while page := ledger.events.recorder.select_notifications(start, 500):
        for notification in page:
            ledger.events.mapper.to_domain_event(notification)
        start = page[-1].id + 1


def lag(settings: Settings, writer: Writer, events: int) -> dict[str, float]:
    """The follower's lag, sampled while the ledger writes ``events`` more events."""
    env = {**os.environ, "LEDGER_DB": settings.location.url,
           "LEDGER_KEY_DIR": str(settings.keys.path)}
    follower = subprocess.Popen(
        [sys.executable, "-c", "from ledger.cli.main import main; main()", "project", "--follow",
         "--interval", "0.05"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db, samples, writing = open_database(settings.location), list[float](), threading.Event()
    try:
        writer.step()  # and wait until the follower has applied it: it is up and caught up
        head = writer.ledger.events.recorder.max_notification_id() or 0
        wait_for(db, head)
        writing.set()
        sampler = threading.Thread(target=sample, args=(settings, writer.ledger, samples, writing))
        sampler.start()
        seconds = timed(lambda: writer.until(head + events))
        writing.clear()
        sampler.join()
        drain = timed(lambda: wait_for(db, writer.ledger.events.head()))
    finally:
        follower.kill()
        follower.wait()
        db.close()
    rate = events / seconds
    return {"write_events_per_s": rate, "lag_events_median": median(samples),
            "lag_events_max": max(samples), "lag_ms_median": 1000 * median(samples) / rate,
            "drain_ms": 1000 * drain}


def sample(
    settings: Settings, ledger: UnitOfWork, samples: list[float], writing: threading.Event
) -> None:
    db = open_database(settings.location)  # a connection of the sampler's own thread
    while writing.is_set():
        head = ledger.events.recorder.max_notification_id() or 0
        samples.append(head - min(read_position(db, n) for n in PROJECTIONS))
        time.sleep(0.05)
    db.close()


def wait_for(db: Database, head: int) -> None:
    while True:
        try:
            if min(read_position(db, n) for n in PROJECTIONS) >= head:
                return
        except Exception:  # the follower has not made its tables yet
            pass
        time.sleep(0.02)


@contextmanager
def opened(settings: Settings, create: bool = False) -> Iterator[tuple[UnitOfWork, Database]]:
    """A ledger (with a cold mapper: nothing verified yet) and the projections' database."""
    ledger = UnitOfWork(settings, create=create)
    try:
        yield ledger, ledger.db
    finally:
        ledger.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--lag-events", type=int, default=5_000)
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results: dict[str, Any] = {"events": args.events, "runs": args.runs, "stores": {}}
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with temp_dir() as tmp:
        source = Settings(db=str(tmp / "bench.db"), key_dir=str(tmp / "keys"))
        setup.initialise(source)
        ledger = UnitOfWork(source)
        writer = Writer(ledger)
        say(f"writing {args.events:,} events")
        results["write_s"] = timed(lambda: writer.until(args.events))
        pg = Settings(f"{PG_DSN}?schema={schema}", source.key_dir)
        stores = {"sqlite": source, "postgres": pg}
        try:
            if "postgres" in kinds:
                pg_schema(f'CREATE SCHEMA "{schema}"')
                with opened(stores["postgres"], create=True) as (target, _):
                    copy_log(ledger, target)
            for kind in kinds:
                say(f"{kind}: catch-up rates")
                results["stores"][kind] = {"rates": rates(stores[kind], args.runs)}
            for kind in kinds:
                say(f"{kind}: lag while writing")
                with opened(stores[kind]) as (target, _):
                    more = Writer(target, after=writer.round)
                    runs = [lag(stores[kind], more, args.lag_events) for _ in range(args.runs)]
                results["stores"][kind]["lag"] = {k: median([r[k] for r in runs]) for k in runs[0]}
        finally:
            ledger.close()
            if "postgres" in kinds:
                pg_schema(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    report(results)
    say(f"written {write_json('projections', results)}")


def pg_schema(statement: str) -> None:
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(statement)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def report(results: dict[str, Any]) -> None:
    stores = results["stores"]
    names = ["decode only", *PROJECTIONS, "all four"]
    print(f"catch-up over {results['events']:,} events, log events/s (median of "
          f"{results['runs']} runs)")
    print_table(["projection", *stores], [[n, *[s["rates"][n] for s in stores.values()]]
                                          for n in names])
    print(f"\nlag of `ledger project --follow` while the ledger writes (median of "
          f"{results['runs']} runs)")
    keys = ["write_events_per_s", "lag_events_median", "lag_events_max", "lag_ms_median",
            "drain_ms"]
    print_table(["", *stores], [[k, *[float(s["lag"][k]) for s in stores.values()]]
                                for k in keys])


if __name__ == "__main__":
    main()
