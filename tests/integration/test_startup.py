"""A command loads only what it uses: `ledger --help` none of the heavy libraries, and a
read on SQLite no PostgreSQL driver and no pydantic models."""

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
