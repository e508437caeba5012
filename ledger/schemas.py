"""JSON Schemas generated from the pydantic models; `python -m ledger.schemas` rewrites them.

A test fails when a checked-in schema drifts from its model.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ledger.documents import issuance_schema
from ledger.reconcile.records import canonical_schema
from ledger.transparency.bundle import bundle_schema

SCHEMAS: dict[str, Callable[[], dict[str, Any]]] = {
    "issuance.schema.json": issuance_schema,
    "reconcile-canonical.schema.json": canonical_schema,
    "retirement-proof.schema.json": bundle_schema,
}


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def write_all(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, make in SCHEMAS.items():
        path = directory / name
        path.write_text(render(make()))
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "schemas")):
        print(path)
