"""Concurrent writers in separate OS processes, and the checks run on what they leave behind.

Shared by ``test_concurrent_writers.py`` and ``bench/reliability.py``: :func:`prepare` mints the
batches and opens one buyer per worker, :func:`run_workers` starts every worker at once and
collects what each acknowledged, :func:`check` compares it with the log.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ledger.aggregates.reservation import Reservation
from ledger.aggregates.retirement import Retirement
from ledger.aggregates.transfer import Transfer
from ledger.errors import LedgerError
from ledger.serials.pools import AVAILABLE, RESERVED, RETIRED
from ledger.settings import Settings
from ledger.usecases import accounts, minting, setup
from ledger.usecases.unit import UnitOfWork
from tests.reliability.invariants import SerialModel, batch_problems, blocks_of, ids_of
from tests.support.builders import issuance

WORKER = Path(__file__).with_name("worker.py")
LEAF_BATCHES = ("ART:REL-LEAF-1", "ART:REL-LEAF-2")
DAC_BATCH = "Puro:REL-DAC-1"
START_TIMEOUT_S = 60


@dataclass
class Figures:
    """What a run did: for the report and the benchmark."""

    processes: int
    steps: int = 0
    acknowledged: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    saves: int = 0
    conflicts: int = 0
    seconds: float = 0.0
    crashes: list[str] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return self.acknowledged / self.seconds if self.seconds else 0.0

    @property
    def retry_rate(self) -> float:
        return self.conflicts / self.saves if self.saves else 0.0

    def line(self) -> str:
        refused = ", ".join(f"{k} {v}" for k, v in sorted(self.refused.items())) or "none"
        return (f"{self.processes} processes, {self.steps} operations tried, "
                f"{self.acknowledged} acknowledged in {self.seconds:.1f} s "
                f"({self.throughput:.1f}/s); refused: {refused}; {self.saves} saves, "
                f"{self.conflicts} conflicts retried ({100 * self.retry_rate:.1f}%)")


def prepare(settings: Settings, workers: int, serials: int) -> None:
    """Initialise the store, mint three batches of ``serials`` credits (small, so that workers
    race for the last ones) and open buyers ``w0``.. ``wN``."""
    setup.initialise(settings)
    ledger = UnitOfWork(settings)
    try:
        sizes = [(1, serials), (10**6 + 1, 10**6 + serials)]
        for reference, (first, last) in zip(LEAF_BATCHES, sizes, strict=True):
            minting.mint(ledger, document=issuance("LEAF", reference.split(":")[1], first, last))
        minting.mint(ledger, document=issuance("DAC", DAC_BATCH.split(":")[1], 1, serials))
        for i in range(workers):
            accounts.open_account(ledger, handle=f"w{i}", name=f"Worker {i}", role="buyer",
                                  climate_pledge=True, scope_targets=[])
    finally:
        ledger.close()


def run_workers(
    settings: Settings, workers: int, operations: int, where: Path, seed: int, timeout_s: float,
    meanwhile: Callable[[], None] | None = None,
) -> tuple[list[dict[str, Any]], float]:
    """Start ``workers`` processes, release them together, run ``meanwhile`` (if given) while
    they work, wait; their records and the time."""
    processes: list[tuple[subprocess.Popen[str], Path]] = []
    try:
        for i in range(workers):
            out = where / f"worker-{i}.jsonl"
            config = {"db": settings.location.url, "key_dir": str(settings.keys.path), "index": i,
                      "workers": workers, "operations": operations, "seed": seed * 100 + i,
                      "batches": [*LEAF_BATCHES, DAC_BATCH], "out": str(out)}
            with (where / f"worker-{i}.err").open("w") as errors:
                process = subprocess.Popen(
                    [sys.executable, str(WORKER), json.dumps(config)], stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE, stderr=errors, text=True,
                )
            processes.append((process, out))
        for process, _ in processes:
            assert process.stdout is not None
            if process.stdout.readline().strip() != "ready":  # blocks until the worker is ready
                raise AssertionError(f"worker did not start: exit {process.wait(START_TIMEOUT_S)}")
        started = time.perf_counter()
        for process, _ in processes:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        if meanwhile is not None:
            meanwhile()
        for process, _ in processes:
            process.wait(timeout_s)
        seconds = time.perf_counter() - started
    finally:
        for process, _ in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
            for pipe in (process.stdin, process.stdout):
                if pipe is not None:
                    pipe.close()
    records = []
    for (process, out), i in zip(processes, range(workers), strict=True):
        if process.returncode != 0:
            stderr = (where / f"worker-{i}.err").read_text()
            raise AssertionError(f"worker {i} exited {process.returncode}: {stderr}")
        records += [json.loads(line) for line in out.read_text().splitlines()]
    return records, seconds


def figures(records: list[dict[str, Any]], processes: int, seconds: float) -> Figures:
    result = Figures(processes, seconds=seconds)
    for record in records:
        if "summary" in record:
            result.steps += record["summary"]["steps"]
            result.saves += record["summary"]["saves"]
            result.conflicts += record["summary"]["conflicts"]
        elif "crash" in record:
            result.crashes.append(record["crash"])
        elif "error" in record:
            result.refused[record["error"]] = result.refused.get(record["error"], 0) + 1
        else:
            result.acknowledged += 1
    return result


Operation = Reservation | Transfer | Retirement
KINDS: dict[str, tuple[type[Operation], str]] = {
    "reserve": (Reservation, "Opened"), "transfer": (Transfer, "Recorded"),
    "retire": (Retirement, "Recorded"),
}


def check(ledger: UnitOfWork, records: list[dict[str, Any]]) -> list[str]:
    """Compare what the workers were told with what the log holds; return every problem."""
    acked = [r for r in records if "id" in r]
    problems, loaded = acknowledged_in_log(ledger, acked)
    problems += nothing_unacknowledged(ledger, acked)
    return problems + serials_where_acknowledged(ledger, acked, loaded)


def acknowledged_in_log(
    ledger: UnitOfWork, acked: list[dict[str, Any]]
) -> tuple[list[str], dict[str, Operation]]:
    """Every acknowledged operation is in the log with the same blocks (and status)."""
    ended = {r["id"]: {"settle": "settled", "release": "released"}[r["op"]]
             for r in acked if r["op"] in ("settle", "release")}
    loaders: dict[str, Callable[[str], Operation]] = {
        "reserve": ledger.load_reservation, "transfer": ledger.load_transfer,
            "retire": ledger.load_retirement}
    problems: list[str] = []
    loaded: dict[str, Operation] = {}
    for record in (r for r in acked if r["op"] in loaders):
        try:
            found = loaders[record["op"]](record["id"])
        except LedgerError as e:
            problems.append(f"acknowledged {record['op']} {record['id']} not in the log: {e}")
            continue
        loaded[record["id"]] = found
        if blocks_of(found) != record["blocks"]:
            problems.append(f"{record['op']} {record['id']}: acknowledged blocks "
                            f"{record['blocks']}, the log says {blocks_of(found)}")
        expected = ended.get(record["id"], "open")
        if isinstance(found, Reservation) and found.status != expected:
            problems.append(f"reservation {record['id']}: acknowledged {expected}, the log "
                            f"says {found.status}")
    return problems, loaded


def nothing_unacknowledged(ledger: UnitOfWork, acked: list[dict[str, Any]]) -> list[str]:
    """No fault was injected: every operation in the log was acknowledged to a worker."""
    problems = []
    for op, (kind, event) in KINDS.items():
        logged = {str(i) for i in ids_of(ledger, kind, event)}
        told = {r["id"] for r in acked if r["op"] == op}
        if logged != told:
            problems.append(f"{kind.__name__}: in the log but never acknowledged "
                            f"{sorted(logged - told)[:5]}, acknowledged but absent "
                            f"{sorted(told - logged)[:5]}")
    return problems


def serials_where_acknowledged(
    ledger: UnitOfWork, acked: list[dict[str, Any]], loaded: dict[str, Operation]
) -> list[str]:
    """Replaying the acknowledged movements, in any order, puts every serial where the batch
    has it; and every batch's pools partition its serials."""
    model = SerialModel()
    batches = {ref: ledger.load_batch(ref) for ref in (*LEAF_BATCHES, DAC_BATCH)}
    for ref, batch in batches.items():
        model.mint(ref, batch.serial_first, batch.serial_last)
    for record in acked:
        source, target = pools_moved(record, loaded)
        for reference, first, last in movements(record, loaded):
            model.move(reference, first, last, source, target)
    problems: list[str] = []
    for batch in batches.values():
        problems += batch_problems(batch) + model.problems(batch)
    return problems


def movements(
    record: dict[str, Any], loaded: dict[str, Operation]
) -> list[tuple[str, int, int]]:
    """The serial blocks an acknowledged record moved."""
    if record["op"] in ("settle", "release"):
        reservation = loaded[record["id"]]
        assert isinstance(reservation, Reservation)
        return [(b["batch"], b["first"], b["last"]) for b in reservation.blocks]
    return [(b[0], b[1], b[2]) for b in record["blocks"]]


def pools_moved(record: dict[str, Any], loaded: dict[str, Operation]) -> tuple[str, str]:
    """The pools an acknowledged record moved its serials from and to."""
    op = record["op"]
    if op == "reserve":
        return AVAILABLE, RESERVED
    if op == "release":
        return RESERVED, AVAILABLE
    if op == "settle":
        reservation = loaded[record["id"]]
        assert isinstance(reservation, Reservation)
        return RESERVED, f"held:{reservation.buyer}"
    if op == "transfer":
        return f"held:{record['from']}", f"held:{record['to']}"
    return f"held:{record['holder']}", RETIRED
