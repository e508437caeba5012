"""Builders shared by the tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ledger.documents import DacIssuance, LeafIssuance, validate_issuance
from ledger.usecases import accounts
from ledger.usecases.unit import UnitOfWork

EXAMPLES = Path(__file__).resolve().parents[2] / "ledger" / "examples"
PURO_SCOPE = "PURO_PR_CORC100+_US_TXDAC01_2026_3f6c2a1e-8d4b-4c1a-9e2f-5b7d0c9a1e34"


def example_data(source: str = "LEAF") -> dict[str, Any]:
    name = "leaf-issuance.json" if source == "LEAF" else "dac-issuance.json"
    data: dict[str, Any] = json.loads((EXAMPLES / name).read_text())
    return data


def isometric_issuance(first: int = 78177, end: int = 81177, *,
                       prefix: str = "ISO-1-BSTORE-GBR-F5X7-2024",
                       issuance_id: str | None = None) -> LeafIssuance | DacIssuance:
    """An Isometric DAC batch: its serials are kilograms, written half-open by the registry
    (``ISO-1-BSTORE-GBR-F5X7-2024-78177-81177`` is 3,000 kg)."""
    data = example_data("DAC")
    data.update(registry="Isometric", issuance_id=issuance_id or f"BSTORE-{first}",
                serial_native=f"{prefix}-{first}-{end}",
                serial_first=first, serial_last=end - 1, quantity=end - first)
    data["removal"] = {"gross_tonnes": (end - first) // 1000 + 2,
                       "net_tonnes": (end - first) // 1000 + 1}
    return validate_issuance(data)


def issuance(
    source: str = "LEAF", issuance_id: str | None = None, first: int = 1, last: int = 1000,
    **changes: Any,
) -> LeafIssuance | DacIssuance:
    data = example_data(source)
    data["issuance_id"] = issuance_id or ("ART102-2021-11" if source == "LEAF" else "DAC-7")
    data["serial_first"], data["serial_last"], data["quantity"] = first, last, last - first + 1
    data["serial_native"] = (
        f"ART-CR-102-2021-11-{first} to {last}" if source == "LEAF"
        else f"{PURO_SCOPE}_{first}-{last}"
    )
    if source == "LEAF":
        data["buffer_quantity"] = (last - first + 1) // 20  # a buffer within the issuance
    if source == "DAC":
        data["removal"] = {"gross_tonnes": last - first + 100, "net_tonnes": last - first + 1}
    data.update(changes)
    return validate_issuance(data)


def open_buyers(ledger: UnitOfWork, *handles: str) -> None:
    for handle in handles:
        accounts.open_account(ledger, handle=handle, name=handle.title(), role="buyer",
                              climate_pledge=True, scope_targets=[])


def event_count(ledger: UnitOfWork) -> int:
    """How many events the store holds: a refusal must leave it unchanged."""
    return ledger.events.recorder.max_notification_id() or 0
