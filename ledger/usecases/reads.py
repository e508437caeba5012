"""Reads: one batch, account, reservation or retirement from its verified events; balances,
supply and retirements from the projections.

A projection query first catches its projection up, so the numbers are current; with
``catch_up=False`` it reads the rows as they are and needs no keys. On a read-only store (a
hot standby) it reads them as they are too, and notes so with the projection's position.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from ledger.progress import Progress, note, silent
from ledger.projections import balances, retirements, supply
from ledger.usecases import projecting
from ledger.usecases.unit import UnitOfWork
from ledger.views import (
    AccountView,
    BalanceView,
    BatchView,
    Block,
    CancellationView,
    ReservationView,
    RetirementsView,
    RetirementView,
    SupplyView,
    TransferView,
)

if TYPE_CHECKING:  # a read of the projections alone never loads the domain (or eventsourcing)
    from ledger.aggregates.account import Account
    from ledger.aggregates.cancellation import Cancellation
    from ledger.aggregates.reservation import Reservation
    from ledger.aggregates.retirement import Retirement
    from ledger.aggregates.transfer import Transfer


def show_batch(uow: UnitOfWork, *, batch: str) -> BatchView:
    """A batch: where its credits are, who holds them, and the document it was minted from."""
    b = uow.load_batch(batch)
    t = b.totals()
    return BatchView(
        b.reference, b.source, b.registry, b.issuance_id, b.scope, b.vintage,
        b.serial_first, b.serial_last, t["minted"], t["available"], t["reserved"],
        t["held"], t["retired"], t["cancelled"], b.holders(),
        int(minted_document(uow, batch=batch).get("buffer_quantity", 0)), b.reversed,
        sum(b.replaced_for.values()), dict(sorted(b.labels.items())),
        list(b.label_history), current_document(uow, batch=batch), list(b.amendments), b.unit,
    )


def minted_document(uow: UnitOfWork, *, batch: str) -> dict[str, Any]:
    """The issuance document a batch was minted from, as its signed ``Minted`` event holds it."""
    document: dict[str, Any] = uow.events.first_event(uow.load_batch(batch).id).document
    return document


def current_document(uow: UnitOfWork, *, batch: str) -> dict[str, Any]:
    """The issuance document with each amendment applied (fields as dotted paths)."""
    document = minted_document(uow, batch=batch)
    amended = uow.load_batch(batch).amended
    if not amended:
        return document
    document = copy.deepcopy(document)
    for field, value in amended.items():
        *path, key = field.split(".")
        here = document
        for part in path:
            here = here[part]
        here[key] = value
    return document


def show_account(uow: UnitOfWork, *, handle: str) -> AccountView:
    return account_view(uow.load_account(handle))


def show_reservation(uow: UnitOfWork, *, reservation: str) -> ReservationView:
    """A reservation, by id or by the idempotency key it was made with."""
    return reservation_view(uow.load_reservation(reservation))


def show_retirement(uow: UnitOfWork, *, retirement: str) -> RetirementView:
    """A retirement, by id or by the idempotency key it was made with."""
    return retirement_view(uow.load_retirement(retirement))


def show_cancellation(uow: UnitOfWork, *, cancellation: str) -> CancellationView:
    """A cancellation, by id or by the idempotency key it was made with."""
    return cancellation_view(uow.load_cancellation(cancellation))


def balance(uow: UnitOfWork, *, holder: str, catch_up: bool = True,
            progress: Progress = silent) -> BalanceView:
    """A holder's credits per batch: available, reserved, retired, cancelled."""
    _current(uow, "balances", catch_up, progress)
    return balances.balance(uow.db, holder)


def all_balances(uow: UnitOfWork, *, catch_up: bool = True,
                 progress: Progress = silent) -> list[BalanceView]:
    """Every holder's balance, holders by handle."""
    _current(uow, "balances", catch_up, progress)
    return balances.balances(uow.db)


def supply_by(uow: UnitOfWork, *, by: str = "batch", catch_up: bool = True,
              progress: Progress = silent) -> SupplyView:
    """Credits minted, available, reserved, held, retired and cancelled, per batch, source or
    vintage."""
    _current(uow, "supply", catch_up, progress)
    rows = supply.supply(uow.db, by)
    return SupplyView(by, [*supply.GROUPS[by], "unit"], rows)


def retired(uow: UnitOfWork, *, buyer: str | None = None, year: int | None = None,
            catch_up: bool = True, progress: Progress = silent) -> RetirementsView:
    """Every retirement (of a buyer, in a year), and totals by year and by source."""
    _current(uow, "retirements", catch_up, progress)
    return RetirementsView(
        retirements.retirements(uow.db, buyer, year),
        retirements.totals(uow.db, "year", buyer, year),
        retirements.totals(uow.db, "source", buyer, year),
    )


def _current(uow: UnitOfWork, name: str, catch_up: bool, progress: Progress) -> None:
    if not catch_up:
        return
    if uow.read_only:
        at = projecting.position(uow, name, uow.events.head())
        if at.position is not None:  # else the query says it was never built
            note(progress, f"read-only store: reading the projection {name} as it is, at "
                           f"position {at.position} of {at.head}")
        return
    projecting.catch_up(uow, names=[name], progress=progress)


# --- views of aggregates --------------------------------------------------------------------


def account_view(a: Account) -> AccountView:
    return AccountView(a.handle, a.name, a.role, a.climate_pledge, a.scope_targets, a.eligibility)


def reservation_view(r: Reservation) -> ReservationView:
    blocks = [Block(b["batch"], b["first"], b["last"]) for b in r.blocks]
    return ReservationView(str(r.id), r.buyer, r.quantity, blocks, r.expires_at, r.status,
                           r.unit)


def transfer_view(t: Transfer) -> TransferView:
    blocks = [Block(t.batch, f, la) for f, la in t.blocks]
    return TransferView(str(t.id), t.batch, t.sender, t.recipient, t.quantity, blocks, t.unit)


def retirement_view(r: Retirement) -> RetirementView:
    blocks = [Block(r.batch, f, la) for f, la in r.blocks]
    return RetirementView(
        str(r.id), r.batch, r.source, r.vintage, r.holder, r.buyer, r.beneficiary, r.reason,
        r.claim_period, r.quantity, blocks, r.created_on, list(r.labels), r.replaces, r.unit,
        r.status, r.registry_ref, r.registry_url, r.confirmed_at, claim_of(r),
        getattr(r, "hidden_until", None),
    )


def claim_of(r: Retirement) -> dict[str, str]:
    """The claim data a retirement was recorded with (none before claim data existed)."""
    from ledger.aggregates.retirement import CLAIM_FIELDS

    return {name: value for name in CLAIM_FIELDS
            if (value := getattr(r, name, None)) is not None}


def cancellation_view(c: Cancellation) -> CancellationView:
    blocks = [Block(c.batch, f, la) for f, la in c.blocks]
    return CancellationView(
        str(c.id), c.kind, c.batch, c.source, c.vintage, c.holder, c.reason, c.details,
        c.quantity, blocks, c.created_on, list(c.labels), c.unit,
    )
