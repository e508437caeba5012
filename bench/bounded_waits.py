"""What a deadline on every PostgreSQL round trip costs: ``SELECT 1`` on a plain psycopg
connection and on the ledger's :class:`~ledger.store.bounded.BoundedConnection`, interleaved
run by run against the same server. Prints the median microseconds per round trip and the
difference. Never pass/fail: it prints figures.

    python bench/bounded_waits.py [--db postgresql://postgres@127.0.0.1:5432/test]
                                  [--statements 5000] [--runs 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg

from bench.common import median, print_table, write_json
from ledger.store.bounded import BoundedConnection


def per_statement_us(conn: Any, statements: int) -> float:
    started = time.perf_counter()
    for _ in range(statements):
        conn.execute("SELECT 1").fetchall()
    return (time.perf_counter() - started) / statements * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--statements", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    plain = psycopg.connect(args.db, autocommit=True)
    bounded = BoundedConnection.connect(args.db, autocommit=True)
    times: dict[str, list[float]] = {"psycopg": [], "bounded": []}
    try:
        for _ in range(args.runs):
            times["psycopg"].append(per_statement_us(plain, args.statements))
            times["bounded"].append(per_statement_us(bounded, args.statements))
    finally:
        plain.close()
        bounded.close()
    medians = {name: median(values) for name, values in times.items()}
    extra = medians["bounded"] - medians["psycopg"]
    print(f"{args.runs} runs of {args.statements:,} SELECT 1 round trips; medians")
    print_table(["connection", "us per round trip"],
                [[name, f"{us:.1f}"] for name, us in medians.items()])
    print(f"the deadline costs {extra:+.1f} us a round trip "
          f"({100 * extra / medians['psycopg']:+.1f}%)")
    body = {"statements": args.statements, "runs": args.runs, "us_per_round_trip": medians,
            "runs_us": times, "extra_us": extra}
    print(f"figures in {write_json('bounded_waits', body)}")


if __name__ == "__main__":
    main()
