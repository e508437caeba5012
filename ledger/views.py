"""Read objects the application returns: plain values, each with the JSON shape the CLI prints."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from ledger.signing.envelope import to_plain


class View:
    def to_dict(self) -> dict[str, Any]:
        return {
            f.name: plain(getattr(self, f.name))
            for f in dataclasses.fields(self)  # type: ignore[arg-type]
        }


def plain(value: Any) -> Any:
    """JSON values for a view's fields, nested views included."""
    if isinstance(value, View):
        return value.to_dict()
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, UUID | datetime):
        return to_plain(value)
    return value


@dataclass(frozen=True)
class Block(View):
    batch: str
    first: int
    last: int

    @property
    def count(self) -> int:
        return self.last - self.first + 1

    def __str__(self) -> str:
        return f"{self.batch} {self.first}-{self.last}"


@dataclass(frozen=True)
class MintView(View):
    batch: str
    source: str
    quantity: int
    serial_first: int
    serial_last: int
    scope: str


@dataclass(frozen=True)
class AccountView(View):
    handle: str
    name: str
    role: str
    climate_pledge: bool
    scope_targets: list[int]
    eligibility: str


@dataclass(frozen=True)
class ReservationView(View):
    reservation: str
    buyer: str
    quantity: int
    blocks: list[Block]
    expires_at: datetime
    status: str


@dataclass(frozen=True)
class TransferView(View):
    transfer: str
    batch: str
    sender: str
    recipient: str
    quantity: int
    blocks: list[Block]


@dataclass(frozen=True)
class RetirementView(View):
    retirement: str
    batch: str
    source: str
    vintage: int
    holder: str
    buyer: str
    beneficiary: str
    reason: str
    claim_period: str
    quantity: int
    blocks: list[Block]
    retired_at: datetime


@dataclass(frozen=True)
class BatchView(View):
    batch: str
    source: str
    registry: str
    issuance_id: str
    scope: str
    vintage: int
    serial_first: int
    serial_last: int
    minted: int
    available: int
    reserved: int
    held: int
    retired: int
    holders: dict[str, int]
    document: dict[str, Any]


@dataclass(frozen=True)
class BalanceLine(View):
    batch: str
    available: int
    reserved: int
    retired: int


@dataclass(frozen=True)
class BalanceView(View):
    holder: str
    batches: list[BalanceLine]
