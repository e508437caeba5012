"""`ledger expire`: sweep the reservations past their expiry."""

from __future__ import annotations

import click

from ledger.cli.options import renders, with_unit
from ledger.usecases import reservations
from ledger.usecases.unit import UnitOfWork
from ledger.views import ReservationView


@click.command()
@renders()
@with_unit()
def expire(uow: UnitOfWork) -> list[ReservationView]:
    """Expire every open reservation past its expiry."""
    return reservations.expire_due(uow)
