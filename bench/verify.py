"""Offline verification rate of retirement proofs on one core (target: 2,000 proofs/s or more).

Builds a log of LOG_SIZE leaves in which PROOFS are real signed ``Retirement.Recorded`` events,
writes one proof file per retirement under a single signed checkpoint, then runs
``verify_bundle`` over the files (every check: parsing, checkpoint signature, inclusion, event
signature and validity window, topic, summary) against a two-key trust list. Prints the median
rate of RUNS runs and writes ``bench/results/verify.json``. It never passes or fails on time.

    .venv/bin/python bench/verify.py
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.signing.envelope import GENESIS, build_payload
from ledger.signing.keys import Signer, TrustedKey
from ledger.transparency.bundle import RETIREMENT_TOPIC, bundle_json, make_bundle
from ledger.transparency.checkpoint import Checkpoint, sign_checkpoint
from ledger.transparency.merkle import CompactRange, MemoryNodeStore, inclusion_proof, leaf_hash
from ledger.transparency.verify import verify_bundle

LOG_SIZE = 100_000
PROOFS = 256
ROUNDS = 8  # passes over the proof files per run
RUNS = 7
ORIGIN = "registry.example/carbon-ledger"
RESULTS = Path(os.environ.get("BENCH_RESULTS", Path(__file__).resolve().parent / "results")) \
    / "verify.json"


def retirement(signer: Signer, number: int, made_at: datetime) -> tuple[bytes, bytes]:
    event = {
        "batch": "ART:ART102-2021-11", "beneficiary": f"Beneficiary {number} S.A.",
        "blocks": [[number * 10 + 1, number * 10 + 10]], "buyer": "acme",
        "claim_period": "2025", "holder": "acme", "idempotency_key": None,
        "originator_topic": "ledger.aggregates.retirement:Retirement", "quantity": 10,
        "reason": "FY2025 Scope 3 target", "source": "LEAF", "timestamp": made_at,
        "vintage": 2021,
    }
    payload = build_payload(originator_id=str(UUID(int=number)), version=1,
                            topic=RETIREMENT_TOPIC, event=event, key_id=signer.key_id,
                            prev=GENESIS)
    return payload, signer.sign(payload)


def proof_files() -> tuple[list[bytes], list[TrustedKey]]:
    rotated_at = datetime(2026, 1, 1, tzinfo=UTC)
    old = Signer("carbon-ledger", Ed25519PrivateKey.generate())
    current = Signer("carbon-ledger", Ed25519PrivateKey.generate())
    trusted = [TrustedKey(old.name, old.private_key.public_key(), None, rotated_at),
               TrustedKey(current.name, current.private_key.public_key(), rotated_at, None)]
    positions = sorted(random.Random(7).sample(range(LOG_SIZE), PROOFS))
    events = {i: retirement(current, n, rotated_at + timedelta(seconds=n + 1))
              for n, i in enumerate(positions)}
    nodes, tree = MemoryNodeStore(), CompactRange()
    for i in range(LOG_SIZE):
        data = events[i][0] if i in events else hashlib.sha256(i.to_bytes(8, "big")).digest()
        nodes.put(tree.append(leaf_hash(data)))
    note = sign_checkpoint(Checkpoint(ORIGIN, LOG_SIZE, tree.root()), current.name,
                           current.private_key)
    files = [bundle_json(make_bundle(payload, signature, i, LOG_SIZE,
                                     inclusion_proof(i, LOG_SIZE, nodes), note))
             for i, (payload, signature) in events.items()]
    return files, trusted


def one_run(files: list[bytes], trusted: list[TrustedKey]) -> tuple[float, float]:
    """Proofs per second of wall-clock time, and per second of this process's CPU time (the
    figure other processes on a shared machine do not move)."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(ROUNDS):
        for raw in files:
            verify_bundle(raw, trusted)
    count = ROUNDS * len(files)
    return count / (time.perf_counter() - wall), count / (time.process_time() - cpu)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    global LOG_SIZE, PROOFS, RUNS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log-size", type=int, default=LOG_SIZE)
    parser.add_argument("--proofs", type=int, default=PROOFS)
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args()
    LOG_SIZE, PROOFS, RUNS = args.log_size, args.proofs, args.runs
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    files, trusted = proof_files()
    for raw in files:  # warm up, and make sure every proof is valid before timing it
        verify_bundle(raw, trusted)
    runs = [one_run(files, trusted) for _ in range(RUNS)]
    median = statistics.median(cpu for _, cpu in runs)
    wall_median = statistics.median(wall for wall, _ in runs)
    result = {
        "benchmark": "verify_bundle, every check, one core",
        "proofs_per_cpu_second_median": round(median),
        "proofs_per_cpu_second_runs": [round(cpu) for _, cpu in runs],
        "proofs_per_wall_second_median": round(wall_median),
        "proofs_per_wall_second_runs": [round(wall) for wall, _ in runs],
        "microseconds_per_proof_median": round(1e6 / median, 1),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "target_proofs_per_second": 2000,
        "proofs_per_run": ROUNDS * len(files),
        "log_size": LOG_SIZE,
        "proof_file_bytes_median": int(statistics.median(len(raw) for raw in files)),
        "trusted_keys": len(trusted),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "cryptography": version("cryptography"),
        "pydantic": version("pydantic"),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"verify: {median:,.0f} proofs per CPU-second on one core, median of {RUNS} runs "
          f"({1e6 / median:.0f} µs per proof; target 2,000/s); wall clock {wall_median:,.0f}/s "
          f"at load average {os.getloadavg()[0]:.2f}; log of {LOG_SIZE:,} events")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
