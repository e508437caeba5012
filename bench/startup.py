"""How fast a command starts: `ledger --help`, and a read (`ledger balance H --no-catch-up`) on
SQLite, against their floor, a bare Python interpreter (`python -c pass`) run in the same loop.

Each run is a fresh process, as a user's is; the commands are interleaved so a noisy neighbour
weighs on all three alike. Prints medians and the ratio to the floor, and which heavy modules
each command imported (`python -X importtime`). Targets on 2 cores: `--help` <= 0.15 s and the
read <= 0.30 s. Never pass/fail: it prints figures.

    python bench/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import median, print_table, temp_dir, write_json

# The console script a user runs, in this interpreter: it starts exactly as `ledger` does.
LEDGER = [sys.executable, str(Path(sys.executable).with_name("ledger"))]
HEAVY = ("psycopg", "pydantic", "fastapi", "starlette", "eventsourcing", "cryptography",
         "jinja2", "uvicorn", "ledger.documents", "ledger.web")


def run(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def imported(command: list[str], env: dict[str, str]) -> list[str]:
    """The heavy top-level packages (and our heavy modules) the command imports."""
    done = subprocess.run([command[0], "-X", "importtime", *command[1:]], env=env,
                          capture_output=True, text=True, check=True)
    names = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()
             if line.startswith("import time:")}
    return sorted(h for h in HEAVY if h in names)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with temp_dir() as tmp:
        env = {**os.environ, "LEDGER_DB": str(tmp / "ledger.db"),
               "LEDGER_KEY_DIR": str(tmp / "keys")}
        for step in (["init"], ["account", "open", "acme", "--name", "Acme", "--role", "buyer",
                                "--climate-pledge"], ["project"]):
            subprocess.run([*LEDGER, *step], env=env, check=True, capture_output=True)
        commands = {
            "python -c pass (floor)": [sys.executable, "-c", "pass"],
            "ledger --help": [*LEDGER, "--help"],
            "ledger balance acme --no-catch-up": [*LEDGER, "balance", "acme", "--no-catch-up"],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, command in commands.items():
                times[name].append(run(command, env))
        floor = median(times["python -c pass (floor)"])
        rows, body = [], {}
        for name, command in commands.items():
            seconds = median(times[name])
            heavy = imported(command, env)
            rows.append([name, f"{seconds * 1000:.0f}", f"{seconds / floor:.2f}",
                         ", ".join(heavy) or "-"])
            body[name] = {"median_s": seconds, "runs": times[name], "to_floor": seconds / floor,
                          "heavy_imports": heavy}
    print(f"{args.runs} runs each, interleaved; medians")
    print_table(["command", "ms", "x floor", "heavy modules imported"], rows)
    print(f"figures in {write_json('startup', {'runs': args.runs, 'commands': body})}")


if __name__ == "__main__":
    main()
