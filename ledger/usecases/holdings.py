"""Holdings: move held credits to another holder, or retire them for a beneficiary (final)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from uuid import uuid4

from eventsourcing.domain import Aggregate

from ledger import ids
from ledger.aggregates.retirement import Retirement
from ledger.aggregates.transfer import Transfer
from ledger.errors import InvalidArgument
from ledger.projections import hidden as hidden_names
from ledger.quantities import Amount
from ledger.usecases.accounts import eligible_buyer
from ledger.usecases.claim_data import NO_CLAIM, Claim
from ledger.usecases.labelling import check_labels, required
from ledger.usecases.reads import retirement_view, transfer_view
from ledger.usecases.rules import (
    check_amount,
    check_idempotency_key,
    check_text,
    same_request,
    whole,
)
from ledger.usecases.unit import UnitOfWork
from ledger.views import RetirementView, TransferView

MAX_HIDDEN = timedelta(days=366)
"""A beneficiary stays hidden at most 12 months."""
CLAIM_PERIOD = re.compile(r"(19|20|21)[0-9][0-9]")


def transfer(uow: UnitOfWork, *, sender: str, recipient: str, batch: str, quantity: Amount,
             idempotency_key: str | None = None) -> TransferView:
    """Move ``quantity`` of the sender's credits of ``batch`` (lowest serials first) to the
    recipient, who must be an eligible buyer when it is one."""
    check_amount(quantity)
    check_idempotency_key(idempotency_key)
    if sender == recipient:
        raise InvalidArgument(f"--to: expected a holder other than --from, found {sender!r}")
    tid = ids.transfer_id(idempotency_key) if idempotency_key else uuid4()

    def decide() -> tuple[list[Aggregate], TransferView]:
        if idempotency_key and (done := uow.find(Transfer, tid)) is not None:
            same_request(
                {"from": done.sender, "to": done.recipient, "batch": done.batch,
                 "quantity": done.quantity},
                {"from": sender, "to": recipient, "batch": batch,
                 "quantity": whole(quantity, done.unit)},
                idempotency_key,
            )
            return [], transfer_view(done)
        uow.load_account(sender)
        if uow.load_account(recipient).role == "buyer":
            eligible_buyer(uow, recipient)
        loaded = uow.load_batch(batch)
        n = whole(quantity, loaded.unit)
        blocks = loaded.transfer_lowest(tid, sender, recipient, n)
        record = Transfer(
            id=tid, batch=batch, sender=sender, recipient=recipient, quantity=n,
            blocks=[b.to_list() for b in blocks], idempotency_key=idempotency_key,
            unit=loaded.unit,
        )
        return [record, loaded], transfer_view(record)

    return uow.atomically(decide)


def retire(uow: UnitOfWork, *, holder: str, batch: str, quantity: Amount, beneficiary: str,
           reason: str, claim_period: str, on_behalf_of: str | None = None,
           require: list[str] | tuple[str, ...] = (), claim: Claim = NO_CLAIM,
           hidden_until: date | None = None,
           idempotency_key: str | None = None) -> RetirementView:
    """Retire ``quantity`` of the holder's credits of ``batch`` (lowest serials first) for a
    beneficiary, on behalf of an eligible buyer: the holder itself, or ``on_behalf_of`` when
    the operator retires from its inventory. Final. The batch must carry every label of
    ``require``; the retirement records the labels it carries, and the ``claim`` data given."""
    check_amount(quantity)
    claim = claim.checked()
    needed = check_labels("--require", list(require))
    check_text("--beneficiary", beneficiary, 200)
    check_idempotency_key(idempotency_key)
    check_text("--reason", reason, 500)
    if not CLAIM_PERIOD.fullmatch(claim_period):
        raise InvalidArgument(f"--claim-period: expected a year YYYY, found {claim_period!r}")
    rid = ids.retirement_id(idempotency_key) if idempotency_key else uuid4()
    shown, hidden = beneficiary, {}
    if hidden_until is not None:
        today = uow.clock().date()
        if not today < hidden_until <= today + MAX_HIDDEN:
            raise InvalidArgument(f"--beneficiary-hidden-until: expected a day after today and "
                                  f"at most 12 months ahead, found {hidden_until}")
        salt = hidden_names.keep(uow.db, str(rid), beneficiary, hidden_until.isoformat())
        shown = f"hidden until {hidden_until.isoformat()}"
        hidden = {"beneficiary_commitment": hidden_names.commitment(beneficiary, salt),
                  "hidden_until": hidden_until.isoformat()}

    def decide() -> tuple[list[Aggregate], RetirementView]:
        if idempotency_key and (done := uow.find(Retirement, rid)) is not None:
            asked = {"holder": holder, "batch": batch, "quantity": whole(quantity, done.unit),
                     "beneficiary": shown, "reason": reason,
                     "claim_period": claim_period, "buyer": on_behalf_of or done.buyer,
                     **claim.every_field()}
            same_request({k: getattr(done, k, None) for k in asked}, asked, idempotency_key)
            return [], retirement_view(done)
        account = uow.load_account(holder)
        if account.role != "buyer" and on_behalf_of is None:
            raise InvalidArgument(
                f"--on-behalf-of: expected the buyer {holder} ({account.role}) retires for, "
                "found none"
            )
        buyer = eligible_buyer(uow, on_behalf_of or holder).handle
        loaded = uow.load_batch(batch)
        labels = required(loaded, needed)
        n = whole(quantity, loaded.unit)
        blocks = loaded.retire_lowest(rid, holder, n)
        record = Retirement(
            id=rid, batch=batch, source=loaded.source, vintage=loaded.vintage,
            holder=holder, buyer=buyer, beneficiary=shown, reason=reason,
            claim_period=claim_period, quantity=n,
            blocks=[b.to_list() for b in blocks], idempotency_key=idempotency_key,
            labels=labels, unit=loaded.unit, pending=True, **claim.fields(), **hidden,
        )
        return [record, loaded], retirement_view(record)

    return uow.atomically(decide)
