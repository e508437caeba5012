"""Reversals: a registry reports that tonnes a batch's credits stood for were lost (a forest
fire, a storage leak). Where the registry replaces reversed credits, the operator retires
replacement credits for the same beneficiary, linked to the retirement they replace; the
original stays as it was."""

from __future__ import annotations

from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from ledger import ids
from ledger.aggregates.batch import CreditBatch
from ledger.aggregates.retirement import Retirement
from ledger.errors import InvalidArgument
from ledger.usecases.labelling import required
from ledger.usecases.reads import retirement_view
from ledger.usecases.rules import (
    MAX_EVIDENCE,
    check_idempotency_key,
    check_quantity,
    check_text,
    same_request,
)
from ledger.usecases.unit import UnitOfWork
from ledger.views import RetirementView, ReversalView


def record_reversal(uow: UnitOfWork, *, batch: str, quantity: int, evidence: str,
                    idempotency_key: str | None = None) -> ReversalView:
    """Record a reported loss of ``quantity`` tonnes on ``batch``."""
    check_quantity(quantity)
    check_text("--evidence", evidence, MAX_EVIDENCE)
    check_idempotency_key(idempotency_key)
    rid = ids.reversal_id(idempotency_key) if idempotency_key else uuid4()

    def decide() -> tuple[list[Aggregate], ReversalView]:
        loaded = uow.load_batch(batch)
        done = loaded.reversals.get(str(rid))
        if done is not None and idempotency_key:
            same_request({"quantity": done}, {"quantity": quantity}, idempotency_key)
            return [], _view(loaded, rid, quantity, evidence)
        loaded.record_reversal(rid, quantity, evidence)
        return [loaded], _view(loaded, rid, quantity, evidence)

    return uow.atomically(decide)


def _view(batch: CreditBatch, rid: UUID, quantity: int, evidence: str) -> ReversalView:
    return ReversalView(str(rid), batch.reference, quantity, evidence, batch.reversed,
                        sum(batch.replaced_for.values()), batch.unit)


def replace(uow: UnitOfWork, *, retirement: str, from_batch: str, quantity: int,
            holder: str | None = None, idempotency_key: str | None = None) -> RetirementView:
    """Retire ``quantity`` credits of ``from_batch`` (lowest serials first, from ``holder``:
    by default the operator's inventory) for the beneficiary of ``retirement``, on behalf of
    its buyer, replacing that many of its credits lost in a reversal of its batch."""
    check_quantity(quantity)
    check_idempotency_key(idempotency_key)
    new_id = ids.retirement_id(idempotency_key) if idempotency_key else uuid4()

    def decide() -> tuple[list[Aggregate], RetirementView]:
        original = uow.load_retirement(retirement)
        source = holder or uow.load_operator().handle
        if idempotency_key and (done := uow.find(Retirement, new_id)) is not None:
            same_request(
                {"replaces": done.replaces, "batch": done.batch, "quantity": done.quantity,
                 "holder": done.holder},
                {"replaces": str(original.id), "batch": from_batch, "quantity": quantity,
                 "holder": source}, idempotency_key)
            return [], retirement_view(done)
        if original.status == "reverted":
            raise InvalidArgument(f"--retirement: expected a retirement that stands, found "
                                  f"{original.id} reverted")
        reversed_batch = uow.load_batch(original.batch)
        replacing = uow.load_batch(from_batch)
        if replacing.unit != reversed_batch.unit:
            raise InvalidArgument(
                f"--from-batch: expected a batch in {reversed_batch.unit} as {original.batch} "
                f"is, found {from_batch} in {replacing.unit}")
        reversed_batch.record_replacement(original.id, original.quantity, new_id, quantity)
        uow.load_account(source)
        labels = required(replacing, [])
        blocks = replacing.retire_lowest(new_id, source, quantity)
        record = Retirement(
            id=new_id, batch=from_batch, source=replacing.source, vintage=replacing.vintage,
            holder=source, buyer=original.buyer, beneficiary=original.beneficiary,
            reason=f"replacement of retirement {original.id} ({original.batch}, reversed)",
            claim_period=original.claim_period, quantity=quantity,
            blocks=[b.to_list() for b in blocks], idempotency_key=idempotency_key,
            labels=labels, replaces=str(original.id), unit=replacing.unit, pending=True,
        )
        changed = [record, reversed_batch]
        if replacing is not reversed_batch:
            changed.append(replacing)
        return changed, retirement_view(record)

    return uow.atomically(decide)
