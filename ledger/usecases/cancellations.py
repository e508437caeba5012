"""Cancellations: credits leave circulation without a claim (terminal), and withdrawals, the
registry taking back credits the operator never sold."""

from __future__ import annotations

from uuid import uuid4

from eventsourcing.domain import Aggregate

from ledger import ids
from ledger.aggregates.cancellation import KINDS, Cancellation
from ledger.errors import InvalidArgument
from ledger.quantities import Amount
from ledger.usecases.labelling import check_labels, required
from ledger.usecases.reads import cancellation_view
from ledger.usecases.rules import (
    check_amount,
    check_idempotency_key,
    check_text,
    same_request,
    whole,
)
from ledger.usecases.unit import UnitOfWork
from ledger.views import CancellationView

MAX_REASON = 500
MAX_DETAILS = 1000


def cancel(uow: UnitOfWork, *, holder: str, batch: str, quantity: Amount, kind: str, reason: str,
           details: str = "", require: list[str] | tuple[str, ...] = (),
           idempotency_key: str | None = None) -> CancellationView:
    """Cancel ``quantity`` of the holder's credits of ``batch`` (lowest serials first): out of
    circulation for good, with no beneficiary and no claim. The operator cancels from its
    unreserved inventory; any other holder from what it holds. The batch must carry every
    label of ``require``; the cancellation records the labels it carries."""
    check_amount(quantity)
    needed = check_labels("--require", list(require))
    if kind not in KINDS:
        raise InvalidArgument(f"--type: expected one of {', '.join(KINDS)}, found {kind!r}")
    check_text("--reason", reason, MAX_REASON)
    if details:
        check_text("--details", details, MAX_DETAILS)
    check_idempotency_key(idempotency_key)
    cid = ids.cancellation_id(idempotency_key) if idempotency_key else uuid4()

    def decide() -> tuple[list[Aggregate], CancellationView]:
        if idempotency_key and (done := uow.find(Cancellation, cid)) is not None:
            asked = {"holder": holder, "batch": batch, "quantity": whole(quantity, done.unit),
                     "kind": kind,
                     "reason": reason, "details": details}
            same_request({k: getattr(done, k) for k in asked}, asked, idempotency_key)
            return [], cancellation_view(done)
        uow.load_account(holder)
        loaded = uow.load_batch(batch)
        labels = required(loaded, needed)
        n = whole(quantity, loaded.unit)
        blocks = loaded.cancel_lowest(cid, holder, kind, n)
        record = Cancellation(
            id=cid, batch=batch, source=loaded.source, vintage=loaded.vintage, holder=holder,
            kind=kind, reason=reason, details=details, quantity=n,
            blocks=[b.to_list() for b in blocks], idempotency_key=idempotency_key,
            labels=labels, unit=loaded.unit,
        )
        return [record, loaded], cancellation_view(record)

    return uow.atomically(decide)


def withdraw(uow: UnitOfWork, *, batch: str, quantity: Amount, reason: str,
             idempotency_key: str | None = None) -> CancellationView:
    """The registry took back ``quantity`` credits of ``batch`` that were never sold (an
    over-issuance): a ``correction`` cancellation of the operator's unreserved inventory, so
    nothing a buyer holds or has reserved is touched."""
    return cancel(uow, holder=uow.load_operator().handle, batch=batch, quantity=quantity,
                  kind="correction", reason=reason, idempotency_key=idempotency_key)
