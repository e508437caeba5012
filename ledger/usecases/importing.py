"""Import: a stream of operation lines, many operations per transaction.

A chunk of ``chunk_size`` lines is applied to one in-memory state and saved in one transaction,
all or nothing. A bad line stops the import naming its line number and what was committed
before it; re-running a file whose operations carry idempotency keys changes nothing (mint and
open_account are idempotent here when the document or account is the same).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from uuid import UUID

from eventsourcing.persistence import RecordConflictError

from ledger import ids
from ledger import operations as ops
from ledger.documents import validate_issuance
from ledger.errors import ConcurrentUpdate, InvalidDocument, LedgerError
from ledger.parsing import parse_day, parse_duration, parse_scopes, parse_time
from ledger.progress import Progress, silent
from ledger.usecases import (
    accounts,
    cancellations,
    confirmations,
    holdings,
    labelling,
    minting,
    reservations,
)
from ledger.usecases.claim_data import Claim
from ledger.usecases.unit import MAX_ATTEMPTS, UnitOfWork
from ledger.views import ImportReport

CHUNK_SIZE = 500
"""Operations per transaction, unless asked otherwise."""


def import_operations(uow: UnitOfWork, *, lines: Iterable[str], chunk_size: int = CHUNK_SIZE,
                      progress: Progress = silent) -> ImportReport:
    """Apply every operation line, ``chunk_size`` per transaction; progress after each commit."""
    report = ImportReport()
    started = time.perf_counter()
    chunk: list[tuple[int, ops.Op]] = []
    for number, line in numbered(lines):
        report.lines = number
        if line.strip():
            chunk.append((number, ops.parse_line(line, number)))
        if len(chunk) >= chunk_size:
            commit(uow, chunk, report)
            chunk = []
            report.seconds = time.perf_counter() - started
            progress("imported operations", report.operations)
    if chunk:
        commit(uow, chunk, report)
    report.seconds = time.perf_counter() - started
    return report


def apply(uow: UnitOfWork, op: ops.Op, number: int) -> object:
    """Run one operation through the same use case the command line runs."""
    match op:
        case ops.Mint():
            return minting.mint(uow, document=validate_issuance(op.document, f"line {number}"),
                                existing_ok=True)
        case ops.OpenAccount():
            return accounts.open_account(
                uow, handle=op.handle, name=op.name, role=op.role,
                climate_pledge=op.climate_pledge, scope_targets=parse_scopes(op.scope_targets),
                existing_ok=True)
        case ops.Reserve():
            return reservations.reserve(
                uow, buyer=op.buyer, quantity=op.quantity, batch=op.batch, source=op.source,
                expires_in=parse_duration(op.expires_in), require=op.require, unit=op.unit,
                idempotency_key=op.idempotency_key)
        case ops.Settle():
            return reservations.settle(uow, reservation=op.reservation)
        case ops.Release():
            return reservations.release(uow, reservation=op.reservation)
        case ops.Transfer():
            return holdings.transfer(
                uow, sender=op.sender, recipient=op.recipient, batch=op.batch,
                quantity=op.quantity, idempotency_key=op.idempotency_key)
        case ops.Retire():
            return holdings.retire(
                uow, holder=op.holder, batch=op.batch, quantity=op.quantity,
                beneficiary=op.beneficiary, reason=op.reason, claim_period=op.claim_period,
                on_behalf_of=op.on_behalf_of, require=op.require,
                claim=Claim(op.purpose, op.claim_type, op.consumption_country,
                            op.consumption_period, op.public_note),
                hidden_until=parse_day("beneficiary_hidden_until", op.beneficiary_hidden_until)
                if op.beneficiary_hidden_until else None,
                idempotency_key=op.idempotency_key)
        case ops.Cancel():
            return cancellations.cancel(
                uow, holder=op.holder, batch=op.batch, quantity=op.quantity, kind=op.type,
                reason=op.reason, details=op.details, require=op.require,
                idempotency_key=op.idempotency_key)
        case ops.Withdraw():
            return cancellations.withdraw(
                uow, batch=op.batch, quantity=op.quantity, reason=op.reason,
                idempotency_key=op.idempotency_key)
        case ops.ConfirmRetirement():
            return confirmations.confirm_retirement(
                uow, retirement=op.retirement, registry_ref=op.registry_ref,
                registry_url=op.registry_url,
                confirmed_at=parse_time("confirmed_at", op.confirmed_at)
                if op.confirmed_at else None)
        case ops.RevertRetirement():
            return confirmations.revert_retirement(uow, retirement=op.retirement,
                                                   reason=op.reason)
        case ops.ApplyLabel() | ops.RevokeLabel():
            change = (labelling.apply_label if isinstance(op, ops.ApplyLabel)
                      else labelling.revoke_label)
            effective = parse_day("effective", op.effective) if op.effective else None
            return change(uow, batch=op.batch, label=op.label, evidence=op.evidence,
                          effective=effective, existing_ok=True)
    raise AssertionError(f"unhandled operation {op!r}")


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


KEYED: dict[type[ops.Op], Callable[[str], UUID]] = {
    ops.Reserve: ids.reservation_id, ops.Transfer: ids.transfer_id,
    ops.Retire: ids.retirement_id, ops.Cancel: ids.cancellation_id,
    ops.Withdraw: ids.cancellation_id,
}
"""The aggregate an operation's idempotency key names: asked about for a whole chunk at once."""


def commit(uow: UnitOfWork, chunk: list[tuple[int, ops.Op]], report: ImportReport) -> None:
    """Apply a chunk in one transaction; run it again whole when another writer got in first."""
    keyed = [key_id(key) for _, op in chunk
             if (key_id := KEYED.get(type(op))) is not None
             and (key := getattr(op, "idempotency_key", None))]
    for _ in range(MAX_ATTEMPTS):
        try:
            with uow.events.known_absent(keyed), uow.transaction():
                for number, op in chunk:
                    try:
                        apply(uow, op, number)
                    except LedgerError as e:
                        raise stopped_at(e, number, report) from None
        except RecordConflictError:
            report.retries += 1
            continue
        report.operations += len(chunk)
        report.transactions += 1
        return
    uow.saves.gave_up += 1
    raise ConcurrentUpdate(f"line {chunk[0][0]}: expected to commit lines {chunk[0][0]}-"
                           f"{chunk[-1][0]} within {MAX_ATTEMPTS} attempts, found conflicts")


def stopped_at(error: LedgerError, number: int, report: ImportReport) -> LedgerError:
    """The same error (code and exit code), saying where the import stopped."""
    return type(error)(
        f"line {number}: {error.message} (committed before it: {report.operations} "
        f"operations in {report.transactions} transactions; nothing of this transaction)"
    )
