"""`ledger settle RESERVATION`: the reserved credits move to the buyer."""

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
def settle(uow: UnitOfWork, reservation: str) -> ReservationView:
    """Move a reservation's credits to its buyer (by id or idempotency key)."""
    return reservations.settle(uow, reservation=reservation)
