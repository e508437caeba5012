"""`ledger release RESERVATION`: the reserved credits return to the inventory."""

from __future__ import annotations

import click

from ledger.cli.options import renders, with_unit
from ledger.usecases import reservations
from ledger.usecases.unit import UnitOfWork
from ledger.views import ReservationView


@click.command()
@click.argument("reservation")
@renders()
@with_unit()
def release(uow: UnitOfWork, reservation: str) -> ReservationView:
    """Return a reservation's credits to the inventory."""
    return reservations.release(uow, reservation=reservation)
