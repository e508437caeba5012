"""A command loads only what it uses: `ledger --help` none of the heavy libraries; a read of
the projections on SQLite none of them either (no PostgreSQL driver, no pydantic models, and
neither the event store nor the keys: it opens neither)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("psycopg", "psycopg_pool", "pydantic", "eventsourcing", "cryptography", "fastapi",
         "uvicorn", "jinja2")
PROBE = """
import json, sys
from ledger.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})), file=sys.stderr)
"""


def loaded(*args: str, cwd: Path | None = None) -> set[str]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True,
                          check=False, cwd=cwd, timeout=60)
    found: set[str] = set(json.loads(done.stderr.strip().splitlines()[-1]))
    return found


def test_help_loads_none_of_the_heavy_libraries() -> None:
    assert loaded("--help") & set(HEAVY) == set()
    assert loaded("retire", "--help") & {"psycopg", "fastapi", "uvicorn", "jinja2"} == set()


def test_a_read_of_the_projections_on_sqlite_loads_none_of_the_heavy_libraries(
    tmp_path: Path,
) -> None:
    env_args = ("--db", str(tmp_path / "ledger.db"), "--key-dir", str(tmp_path / "keys"))
    ledger = Path(sys.executable).with_name("ledger")
    for command in (["init"], ["project"]):
        subprocess.run([str(ledger), *command, *env_args], check=True, capture_output=True,
                       timeout=60)
    found = loaded("balance", "operator", "--no-catch-up", *env_args)
    assert found & set(HEAVY) == set()
    caught_up = loaded("balance", "operator", *env_args)  # opens the store: catches up first
    assert caught_up & {"psycopg", "psycopg_pool", "pydantic", "fastapi", "jinja2"} == set()
