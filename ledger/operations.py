"""Operation lines: what `ledger import` reads, one JSON object a line.

``"op"`` names the use case and the other keys are the CLI's option names with dashes as
underscores (``from`` and ``to`` for a transfer). Pydantic lives here, at the edge: a line is
validated whole before anything runs, and refused naming its line number and field.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from ledger.documents import describe
from ledger.errors import InvalidDocument
from ledger.parsing import strict_json

MAX_LINE_BYTES = 1_000_000
Quantity = Annotated[int, Field(strict=True)]


class Op(BaseModel):
    # strict: "climate_pledge": "yes" or "quantity": "5" is refused, not coerced.
    model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=True)


class Mint(Op):
    op: Literal["mint"]
    document: dict[str, Any]


class OpenAccount(Op):
    op: Literal["open_account"]
    handle: str
    name: str
    role: Literal["buyer", "buffer"]
    climate_pledge: bool = False
    scope_targets: list[int] | str = []


class Reserve(Op):
    op: Literal["reserve"]
    buyer: str
    quantity: Quantity
    batch: str | None = None
    source: Literal["LEAF", "DAC"] | None = None
    expires_in: str = "7d"
    unit: Literal["t", "kg"] | None = None
    require: list[str] = []
    idempotency_key: str | None = None


class Settle(Op):
    op: Literal["settle"]
    reservation: str


class Release(Op):
    op: Literal["release"]
    reservation: str


class Transfer(Op):
    op: Literal["transfer"]
    sender: str = Field(alias="from")
    recipient: str = Field(alias="to")
    batch: str
    quantity: Quantity
    idempotency_key: str | None = None


class Retire(Op):
    op: Literal["retire"]
    holder: str
    batch: str
    quantity: Quantity
    beneficiary: str
    reason: str
    claim_period: str
    on_behalf_of: str | None = None
    require: list[str] = []
    purpose: str | None = None
    claim_type: str | None = None
    consumption_country: str | None = None
    consumption_period: str | None = None
    public_note: str | None = None
    beneficiary_hidden_until: str | None = None
    idempotency_key: str | None = None


class Cancel(Op):
    op: Literal["cancel"]
    holder: str
    batch: str
    quantity: Quantity
    type: str  # one of Cancellation KINDS, checked by the use case
    reason: str
    details: str = ""
    require: list[str] = []
    idempotency_key: str | None = None


class Withdraw(Op):
    op: Literal["withdraw"]
    batch: str
    quantity: Quantity
    reason: str
    idempotency_key: str | None = None


class ConfirmRetirement(Op):
    op: Literal["confirm_retirement"]
    retirement: str
    registry_ref: str
    registry_url: str | None = None
    confirmed_at: str | None = None


class RevertRetirement(Op):
    op: Literal["revert_retirement"]
    retirement: str
    reason: str


class ApplyLabel(Op):
    op: Literal["apply_label"]
    batch: str
    label: str
    evidence: str
    effective: str | None = None


class RevokeLabel(Op):
    op: Literal["revoke_label"]
    batch: str
    label: str
    evidence: str
    effective: str | None = None


Operation = Annotated[
    Mint | OpenAccount | Reserve | Settle | Release | Transfer | Retire | Cancel | Withdraw
    | ApplyLabel | RevokeLabel | ConfirmRetirement | RevertRetirement,
    Field(discriminator="op"),
]
_operation: TypeAdapter[Any] = TypeAdapter(Operation)


def parse_line(line: str, number: int) -> Op:
    """One operation, or InvalidDocument naming the line and the field."""
    if len(line) > MAX_LINE_BYTES:
        raise InvalidDocument(f"line {number}: expected at most {MAX_LINE_BYTES} bytes, "
                              f"found {len(line)}")
    try:
        data = strict_json(line)
    except (ValueError, RecursionError) as e:
        raise InvalidDocument(f"line {number}: expected a JSON object, found ({e})") from None
    if not isinstance(data, dict):
        raise InvalidDocument(f"line {number}: expected a JSON object, "
                              f"found {type(data).__name__}")
    try:
        op: Op = _operation.validate_python(data)
    except ValidationError as e:
        raise InvalidDocument(f"line {number}: {describe(e)}") from None
    return op
