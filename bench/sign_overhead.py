"""Signed versus unsigned single operations on SQLite, side by side in one run.

Each run makes a fresh store, mints a batch, opens a buyer and times N cycles of
reserve -> settle -> retire (3 operations, each one atomic save) through the Ledger
application. "unsigned" is the same application with eventsourcing's plain Mapper.
Runs alternate between the two variants; the table shows medians and the ratio.

    .venv/bin/python bench/sign_overhead.py [--cycles 300] [--runs 5]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, ClassVar
from uuid import UUID

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eventsourcing.application import Application
from eventsourcing.persistence import Mapper

from bench.common import median, print_table, temp_dir, timed, write_json
from ledger.documents import parse_issuance
from ledger.examples import __file__ as examples_init
from ledger.settings import Settings
from ledger.store.events import EventStore
from ledger.usecases import accounts, holdings, minting, reservations, setup
from ledger.usecases.unit import UnitOfWork

LEAF = "ART:ART102-2021-11"


class UnsignedStore(EventStore):
    """The same store over the library's plain JSON Mapper: nothing signed or verified."""

    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {}

    def construct_mapper(self) -> Mapper[UUID]:
        return Application.construct_mapper(self)


class UnsignedUnit(UnitOfWork):
    """The same use cases over the unsigned store."""

    event_store = UnsignedStore


def run_once(kind: type[UnitOfWork], cycles: int) -> float:
    with temp_dir() as tmp:
        settings = Settings(db=str(tmp / "b.db"), key_dir=str(tmp / "keys"))
        settings.keys.create("bench")
        ledger = kind(settings, create=True)
        setup.register_operator(ledger, origin="bench/log", handle="operator", name="Operator")
        document = (Path(examples_init).parent / "leaf-issuance.json").read_bytes()
        minting.mint(ledger, document=parse_issuance(document))
        accounts.open_account(ledger, handle="acme", name="Acme", role="buyer", climate_pledge=True,
                              scope_targets=[])

        def cycle() -> None:
            for _ in range(cycles):
                reservation = reservations.reserve(
                    ledger, buyer="acme", quantity=2, batch=LEAF).reservation
                reservations.settle(ledger, reservation=reservation)
                holdings.retire(ledger, holder="acme", batch=LEAF, quantity=2, beneficiary="Acme",
                                reason="claim", claim_period="2025")

        seconds = timed(cycle)
        ledger.close()
        return 3 * cycles / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    rates: dict[str, list[float]] = {"signed": [], "unsigned": []}
    for _ in range(args.runs):
        rates["unsigned"].append(run_once(UnsignedUnit, args.cycles))
        rates["signed"].append(run_once(UnitOfWork, args.cycles))
    signed, unsigned = median(rates["signed"]), median(rates["unsigned"])
    print_table(["variant", "ops/s (median)", "runs"],
                [["unsigned", unsigned, args.runs], ["signed", signed, args.runs]])
    print(f"signed / unsigned = {signed / unsigned:.2f} (target >= 0.80)")
    path = write_json("sign_overhead", {
        "cycles": args.cycles, "runs": rates, "signed_ops_per_s": signed,
        "unsigned_ops_per_s": unsigned, "ratio": signed / unsigned,
    })
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
