"""A bulk import file that exercises every operation, valid line after line, and the commands
to run the CLI in a process of its own."""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path
from typing import Any

from tests.support.builders import example_data

LEDGER = Path(sys.executable).with_name("ledger")
CRASHING_IMPORT = Path(__file__).with_name("crashing_import.py")
BATCHES = ("ART:CRASH-LEAF-1", "Puro:CRASH-DAC-1")
SERIALS = 100_000


def documents() -> list[dict[str, Any]]:
    leaf, dac = example_data("LEAF"), example_data("DAC")
    first = 10**6 + 1  # clear of the example issuances' serials in the same scopes
    leaf.update(issuance_id="CRASH-LEAF-1", serial_first=first, serial_last=first + SERIALS - 1,
                quantity=SERIALS,
                serial_native=f"ART-CR-102-2021-11-{first} to {first + SERIALS - 1}")
    scope = dac["serial_native"].rsplit("_", 1)[0]
    dac.update(issuance_id="CRASH-DAC-1", serial_first=first, serial_last=first + SERIALS - 1,
               quantity=SERIALS, serial_native=f"{scope}_{first}-{first + SERIALS - 1}",
               removal={"gross_tonnes": SERIALS + 100, "net_tonnes": SERIALS})
    return [leaf, dac]


def operations(rounds: int, buyers: int = 4, seed: int = 7) -> list[dict[str, Any]]:
    """Mint, open accounts, then ``rounds`` of reserve, settle or release, transfer and retire,
    each keyed, each valid in order (a generator-side model keeps holdings non-negative)."""
    rng = random.Random(seed)
    ops: list[dict[str, Any]] = [{"op": "mint", "document": d} for d in documents()]
    names = [f"b{i}" for i in range(buyers)]
    ops += [{"op": "open_account", "handle": n, "name": f"Buyer {n}", "role": "buyer",
             "climate_pledge": True} for n in names]
    held = {(n, b): 0 for n in names for b in BATCHES}
    for r in range(rounds):
        buyer, batch = rng.choice(names), rng.choice(BATCHES)
        quantity = rng.randint(1, 20)
        ops.append({"op": "reserve", "buyer": buyer, "quantity": quantity, "batch": batch,
                    "idempotency_key": f"res-{r}"})
        if rng.random() < 0.8:
            ops.append({"op": "settle", "reservation": f"res-{r}"})
            held[buyer, batch] += quantity
        else:
            ops.append({"op": "release", "reservation": f"res-{r}"})
        other = rng.choice([n for n in names if n != buyer])
        if held[buyer, batch] >= 2:
            moved = rng.randint(1, held[buyer, batch] // 2)
            ops.append({"op": "transfer", "from": buyer, "to": other, "batch": batch,
                        "quantity": moved, "idempotency_key": f"tr-{r}"})
            held[buyer, batch] -= moved
            held[other, batch] += moved
        if held[other, batch] >= 1:
            retired = rng.randint(1, held[other, batch])
            ops.append({"op": "retire", "holder": other, "batch": batch, "quantity": retired,
                        "beneficiary": f"{other} Inc", "reason": "crash test",
                        "claim_period": "2026", "idempotency_key": f"ret-{r}"})
            held[other, batch] -= retired
    return ops


def write_operations(path: Path, ops: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(op) + "\n" for op in ops))
    return path


def cli_env(db: str, key_dir: Path | str) -> dict[str, str]:
    """The environment of a CLI process: the store and keys named, nothing else inherited."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    return {**env, "LEDGER_DB": db, "LEDGER_KEY_DIR": str(key_dir)}
