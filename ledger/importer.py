"""`ledger import`: a stream of operations (JSON Lines), many operations per transaction.

Each line is one JSON object: ``"op"`` names the use case and the other keys are the CLI's
option names with dashes as underscores. A chunk of ``batch_size`` lines is applied to one
in-memory state and saved in one transaction, all or nothing. A bad line stops the import
naming its line number and what was committed before it; re-running a file whose operations
carry idempotency keys changes nothing (mint and open_account are idempotent here when the
document or account is the same).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from eventsourcing.persistence import RecordConflictError
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from ledger.app import Ledger
from ledger.documents import describe, validate_issuance
from ledger.errors import ConcurrentUpdate, InvalidDocument, LedgerError
from ledger.eventstore import MAX_ATTEMPTS
from ledger.parsing import parse_duration, parse_scopes

MAX_LINE_BYTES = 1_000_000
Quantity = Annotated[int, Field(strict=True)]


class Op(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


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
    idempotency_key: str | None = None


Operation = Annotated[
    Mint | OpenAccount | Reserve | Settle | Release | Transfer | Retire,
    Field(discriminator="op"),
]
_operation: TypeAdapter[Any] = TypeAdapter(Operation)


def parse_line(line: str, number: int) -> Op:
    """One operation, or InvalidDocument naming the line and the field."""
    if len(line) > MAX_LINE_BYTES:
        raise InvalidDocument(f"line {number}: expected at most {MAX_LINE_BYTES} bytes, "
                              f"found {len(line)}")
    try:
        data = json.loads(line)
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


def apply(ledger: Ledger, op: Op, number: int) -> object:
    """Run one operation through the same use case the CLI runs."""
    match op:
        case Mint():
            return ledger.mint(validate_issuance(op.document, f"line {number}"),
                               existing_ok=True)
        case OpenAccount():
            return ledger.open_account(op.handle, op.name, op.role, op.climate_pledge,
                                       parse_scopes(op.scope_targets), existing_ok=True)
        case Reserve():
            return ledger.reserve(op.buyer, op.quantity, batch=op.batch, source=op.source,
                                  expires_in=parse_duration(op.expires_in),
                                  idempotency_key=op.idempotency_key)
        case Settle():
            return ledger.settle(op.reservation)
        case Release():
            return ledger.release(op.reservation)
        case Transfer():
            return ledger.transfer_credits(op.sender, op.recipient, op.batch, op.quantity,
                                           op.idempotency_key)
        case Retire():
            return ledger.retire(op.holder, op.batch, op.quantity, op.beneficiary, op.reason,
                                 op.claim_period, op.on_behalf_of, op.idempotency_key)
    raise AssertionError(f"unhandled operation {op!r}")


@dataclass
class ImportReport:
    lines: int = 0
    operations: int = 0
    transactions: int = 0
    retries: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        rate = self.operations / self.seconds if self.seconds else 0.0
        return {"lines": self.lines, "operations": self.operations,
                "transactions": self.transactions, "retries": self.retries,
                "seconds": round(self.seconds, 3), "operations_per_second": round(rate, 1)}


Progress = Callable[[ImportReport], None]


def import_operations(
    ledger: Ledger, lines: Iterable[str], batch_size: int = 500,
    progress: Progress | None = None,
) -> ImportReport:
    report = ImportReport()
    started = time.perf_counter()
    chunk: list[tuple[int, Op]] = []
    for number, line in numbered(lines):
        report.lines = number
        if line.strip():
            chunk.append((number, parse_line(line, number)))
        if len(chunk) >= batch_size:
            commit(ledger, chunk, report)
            chunk = []
            report.seconds = time.perf_counter() - started
            if progress:
                progress(report)
    if chunk:
        commit(ledger, chunk, report)
    report.seconds = time.perf_counter() - started
    return report


def numbered(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    """Lines with their numbers; undecodable text is a refusal naming the line."""
    iterator = iter(lines)
    number = 0
    while True:
        number += 1
        try:
            line = next(iterator)
        except StopIteration:
            return
        except UnicodeDecodeError as e:
            raise InvalidDocument(f"line {number}: expected UTF-8 text, found {e.reason}") \
                from None
        yield number, line


def commit(ledger: Ledger, chunk: list[tuple[int, Op]], report: ImportReport) -> None:
    """Apply a chunk in one unit of work; retry it whole when another writer got in first."""
    for _ in range(MAX_ATTEMPTS):
        try:
            with ledger.unit_of_work():
                for number, op in chunk:
                    try:
                        apply(ledger, op, number)
                    except LedgerError as e:
                        raise stopped_at(e, number, report) from None
        except RecordConflictError:
            report.retries += 1
            continue
        report.operations += len(chunk)
        report.transactions += 1
        return
    raise ConcurrentUpdate(f"line {chunk[0][0]}: expected to commit lines {chunk[0][0]}-"
                           f"{chunk[-1][0]} within {MAX_ATTEMPTS} attempts, found conflicts")


def stopped_at(error: LedgerError, number: int, report: ImportReport) -> LedgerError:
    """The same error (code and exit code), saying where the import stopped."""
    stopped = type(error)(
        f"line {number}: {error.message} (committed before it: {report.operations} "
        f"operations in {report.transactions} transactions; nothing of this transaction)"
    )
    return stopped
