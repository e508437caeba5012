"""Checked-in JSON Schemas never drift from the models they are generated from."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.schemas import SCHEMAS, render

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_the_checked_in_schema_matches_the_model(name: str) -> None:
    checked_in = (SCHEMA_DIR / name).read_text()
    assert checked_in == render(SCHEMAS[name]()), (
        f"schemas/{name} drifted from its model: run `python -m ledger.schemas`"
    )
