"""One concurrent writer, run as its own OS process by the concurrency tests and the benchmark.

    python tests/reliability/worker.py CONFIG_JSON

It opens the ledger, prints ``ready``, waits for a line on stdin (so that every worker starts
at once), then runs ``operations`` random use cases for its buyer ``w<index>``: reserve (from one
batch, or across a source), settle or release its own reservations, transfer to another worker's
buyer, retire. Each acknowledged result is appended to its own file, one JSON object a line,
flushed before the next operation. A ``LedgerError`` is recorded by code; any other exception is
recorded with its traceback (the test fails on it). The last line is a summary with the number
of saves and of conflicting saves the application retried (counted around ``EventStore._save``,
which ``UnitOfWork.atomically`` calls once per attempt).
"""

from __future__ import annotations

import json
import random
import sys
import time
import traceback
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

from eventsourcing.persistence import RecordConflictError

from ledger.errors import LedgerError
from ledger.settings import Settings
from ledger.usecases import holdings, reservations
from ledger.usecases.unit import UnitOfWork


class CountingSaves:
    """Wraps the store's save (``EventStore._save``): every call is one attempt of
    ``atomically``; a conflict is a retry (or, after the last attempt, a ``concurrent_update``
    error)."""

    def __init__(self, ledger: UnitOfWork) -> None:
        self.saves = 0
        self.conflicts = 0
        self._save = ledger.events._save
        ledger.events._save = self  # type: ignore[method-assign]

    def __call__(self, changed: Any) -> Any:
        self.saves += 1
        try:
            return self._save(changed)
        except RecordConflictError:
            self.conflicts += 1
            raise


class Worker:
    def __init__(self, config: dict[str, Any], ledger: UnitOfWork, out: IO[str]) -> None:
        self.config = config
        self.ledger = ledger
        self.out = out
        self.me = f"w{config['index']}"
        self.others = [f"w{i}" for i in range(config["workers"]) if i != config["index"]]
        self.random = random.Random(config["seed"])
        self.open: list[str] = []
        self.serial = 0

    def record(self, entry: dict[str, Any]) -> None:
        self.out.write(json.dumps(entry) + "\n")
        self.out.flush()

    def key(self, kind: str) -> str:
        self.serial += 1
        return f"{self.me}-{kind}-{self.serial}"

    def step(self) -> None:
        choice = self.random.choices(
            ["reserve", "end", "transfer", "retire"], weights=[35, 25, 15, 25]
        )[0]
        if choice == "end" and not self.open:
            choice = "reserve"
        try:
            getattr(self, choice)()
        except LedgerError as e:
            self.record({"op": choice, "error": e.code, "message": e.message})
        except Exception:
            self.record({"op": choice, "crash": traceback.format_exc()})

    def reserve(self) -> None:
        quantity = self.random.randint(1, 8)
        key = self.key("r")
        if self.random.random() < 0.2:
            view = reservations.reserve(self.ledger, buyer=self.me, quantity=quantity,
                                        source="LEAF", idempotency_key=key,
                                        expires_in=timedelta(hours=1))
        else:
            batch = self.random.choice(self.config["batches"])
            view = reservations.reserve(self.ledger, buyer=self.me, quantity=quantity, batch=batch,
                                        idempotency_key=key, expires_in=timedelta(hours=1))
        self.open.append(view.reservation)
        self.record({"op": "reserve", "id": view.reservation, "buyer": self.me,
                     "blocks": [[b.batch, b.first, b.last] for b in view.blocks]})

    def end(self) -> None:
        reservation = self.open.pop(self.random.randrange(len(self.open)))
        if self.random.random() < 0.8:
            reservations.settle(self.ledger, reservation=reservation)
            self.record({"op": "settle", "id": reservation})
        else:
            reservations.release(self.ledger, reservation=reservation)
            self.record({"op": "release", "id": reservation})

    def transfer(self) -> None:
        batch = self.random.choice(self.config["batches"])
        to = self.random.choice(self.others)
        view = holdings.transfer(self.ledger, sender=self.me, recipient=to, batch=batch,
                                 quantity=self.random.randint(1, 3), idempotency_key=self.key("t"))
        self.record({"op": "transfer", "id": view.transfer, "from": self.me, "to": to,
                     "blocks": [[b.batch, b.first, b.last] for b in view.blocks]})

    def retire(self) -> None:
        batch = self.random.choice(self.config["batches"])
        view = holdings.retire(self.ledger, holder=self.me, batch=batch,
                               quantity=self.random.randint(1, 4), beneficiary=f"{self.me} Inc",
                               reason="reliability test", claim_period="2026",
                               idempotency_key=self.key("x"))
        self.record({"op": "retire", "id": view.retirement, "holder": self.me,
                     "blocks": [[b.batch, b.first, b.last] for b in view.blocks]})


def main(config: dict[str, Any]) -> None:
    settings = Settings(config["db"], config["key_dir"])
    ledger = UnitOfWork(settings)
    counter = CountingSaves(ledger)
    with Path(config["out"]).open("a", encoding="utf-8") as out:
        worker = Worker(config, ledger, out)
        for batch in config["batches"]:
            ledger.load_batch(batch)  # warm the cache, so that the start is a real race
        print("ready", flush=True)
        sys.stdin.readline()
        started = time.perf_counter()
        for _ in range(config["operations"]):
            worker.step()
        seconds = time.perf_counter() - started
        worker.record({"summary": {"steps": config["operations"], "saves": counter.saves,
                                   "conflicts": counter.conflicts, "seconds": seconds}})
    ledger.close()


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
