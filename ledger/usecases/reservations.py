"""Reservations: hold the lowest available serials for an eligible buyer until they are settled
(moved to the buyer), released, or expired — exactly one of the three."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from ledger import ids, topics
from ledger.aggregates.batch import UNITS, CreditBatch
from ledger.aggregates.reservation import Reservation
from ledger.errors import InsufficientCredits, InvalidArgument, ReservationExpired, RuleViolated
from ledger.quantities import Amount
from ledger.usecases.accounts import eligible_buyer
from ledger.usecases.labelling import check_labels
from ledger.usecases.reads import reservation_view
from ledger.usecases.rules import check_amount, check_idempotency_key, same_request, whole
from ledger.usecases.unit import UnitOfWork
from ledger.views import Block, ReservationView


def reserve(uow: UnitOfWork, *, buyer: str, quantity: Amount, batch: str | None = None,
            source: str | None = None, expires_in: timedelta = timedelta(days=7),
            require: list[str] | tuple[str, ...] = (), unit: str | None = None,
            idempotency_key: str | None = None) -> ReservationView:
    """Reserve ``quantity`` credits for ``buyer``: from one batch, or from the batches of a
    source (LEAF or DAC) or of any source in mint order, lowest serials first. With
    ``require``, only from batches carrying every one of those labels. ``quantity`` is in
    ``unit``: the batch's, or across batches ``t`` unless ``kg`` is asked for (only batches
    of that unit are taken: one reservation never adds tonnes to kilograms)."""
    check_amount(quantity)
    needed = check_labels("--require", list(require))
    check_idempotency_key(idempotency_key)
    if batch and source:
        raise InvalidArgument("expected --batch or --source, found both")
    if expires_in <= timedelta(0):
        raise InvalidArgument(f"--expires-in: expected a positive duration, found {expires_in}")
    request: dict[str, Any] = {"buyer": buyer, "batch": batch, "source": source,
                               "expires_in_s": int(expires_in.total_seconds())}
    if needed:  # absent otherwise, as in requests recorded before labels existed
        request["require"] = needed
    if unit is not None:
        if unit not in UNITS:
            raise InvalidArgument(f"--unit: expected one of {', '.join(UNITS)}, found {unit!r}")
        request["unit"] = unit
    rid = ids.reservation_id(idempotency_key) if idempotency_key else uuid4()

    def decide() -> tuple[list[Aggregate], ReservationView]:
        if idempotency_key and (done := uow.find(Reservation, rid)) is not None:
            asked = {**request, "quantity": whole(quantity, done.unit)}
            same_request(done.request, asked, idempotency_key)
            return [], reservation_view(done)
        eligible_buyer(uow, buyer)
        references = [batch] if batch else uow.load_catalogue().references(source)
        wanted = unit or "t"
        if batch:
            loaded = uow.load_batch(batch)
            loaded.require_labels(needed)
            if unit is not None and loaded.unit != unit:
                raise InvalidArgument(f"--unit: expected the unit of batch {batch}, "
                                      f"{loaded.unit}, found {unit}")
            wanted = loaded.unit
        total = whole(quantity, wanted)
        batches: list[Aggregate] = []
        blocks: list[Block] = []
        remaining = total
        for reference in references:
            loaded = uow.load_batch(reference)
            if not batch and (loaded.unit != wanted
                              or any(label not in loaded.labels for label in needed)):
                continue
            take = min(remaining, loaded.count("available"))
            if take:
                taken = loaded.reserve_lowest(rid, buyer, take)
                blocks += [Block(reference, b.first, b.last) for b in taken]
                batches.append(loaded)
                remaining -= take
            if not remaining:
                break
        if remaining:
            where = f"batch {batch}" if batch else f"source {source or 'any'}"
            if needed and not batch:
                where += f" with labels {', '.join(needed)}"
            raise InsufficientCredits(
                f"{where}: expected {total} {wanted} available, found {total - remaining}"
            )
        reservation = Reservation(
            id=rid, buyer=buyer, quantity=total, blocks=[b.to_dict() for b in blocks],
            expires_at=uow.clock() + expires_in, request={**request, "quantity": total},
            unit=wanted,
        )
        return [reservation, *batches], reservation_view(reservation)

    return uow.atomically(decide)


def settle(uow: UnitOfWork, *, reservation: str) -> ReservationView:
    """Move a reservation's credits to its buyer (by id or idempotency key)."""
    return _end(uow, reservation, "settle")


def release(uow: UnitOfWork, *, reservation: str) -> ReservationView:
    """Return a reservation's credits to the inventory."""
    return _end(uow, reservation, "release")


def _end(uow: UnitOfWork, ref: str, how: Literal["settle", "release"]) -> ReservationView:
    expired_at: list[datetime] = []

    def decide() -> tuple[list[Aggregate], ReservationView]:
        expired_at.clear()
        reservation = uow.load_reservation(ref)
        if reservation.status == ("settled" if how == "settle" else "released"):
            return [], reservation_view(reservation)  # the same command again: a no-op
        reservation.require_open()
        now = uow.clock()
        if reservation.is_due(now):
            expired_at.append(reservation.expires_at)
            return _expire(uow, reservation, now), reservation_view(reservation)
        if how == "settle":
            eligible_buyer(uow, reservation.buyer)
            reservation.settle(now)
        else:
            reservation.release(now)
        batches: list[Aggregate] = []
        for reference, blocks in reservation.by_batch().items():
            loaded = uow.load_batch(reference)
            if how == "settle":
                loaded.settle(reservation.id, reservation.buyer, blocks)
            else:
                loaded.release(reservation.id, reservation.buyer, blocks, expired=False)
            batches.append(loaded)
        return [reservation, *batches], reservation_view(reservation)

    view = uow.atomically(decide)
    if expired_at:
        raise ReservationExpired(
            f"reservation {view.reservation}: expected it open until now, found it expired "
            f"at {expired_at[0].isoformat()}; its credits were returned to the inventory"
        )
    return view


def expire_due(uow: UnitOfWork) -> list[ReservationView]:
    """Sweep: every open reservation past its expiry returns its credits."""
    uow.require_writable()  # a sweep pointed at a standby fails, even with nothing due
    expired = []
    for rid in reservation_ids(uow):
        def decide(rid: UUID = rid) -> tuple[list[Aggregate], ReservationView | None]:
            reservation = uow.load(Reservation, rid, RuleViolated("vanished"))
            now = uow.clock()
            if not reservation.is_due(now):
                return [], None
            return _expire(uow, reservation, now), reservation_view(reservation)

        view = uow.atomically(decide)
        if view is not None:
            expired.append(view)
    return expired


def _expire(uow: UnitOfWork, reservation: Reservation, now: datetime) -> list[Aggregate]:
    reservation.expire(now)
    batches: list[Aggregate] = []
    for reference, blocks in reservation.by_batch().items():
        loaded: CreditBatch = uow.load_batch(reference)
        loaded.release(reservation.id, reservation.buyer, blocks, expired=True)
        batches.append(loaded)
    return [reservation, *batches]


def reservation_ids(uow: UnitOfWork) -> list[UUID]:
    """Every reservation ever opened, in log order."""
    found: list[UUID] = []
    start = 1
    while True:
        page = uow.events.recorder.select_notifications(
            start, 500, topics=[topics.RESERVATION_OPENED])
        found += [ids.as_uuid(n.originator_id) for n in page]
        if len(page) < 500:
            return found
        start = page[-1].id + 1
