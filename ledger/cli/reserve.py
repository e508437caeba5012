"""`ledger reserve`: hold the lowest available serials for a buyer."""

from __future__ import annotations

import click

from ledger.cli.options import amount, idempotent, renders, requires, with_unit
from ledger.parsing import parse_duration
from ledger.quantities import Amount
from ledger.usecases import reservations
from ledger.usecases.unit import UnitOfWork
from ledger.views import ReservationView


@click.command()
@click.option("--buyer", required=True)
@click.option("--batch", help="Batch reference REGISTRY:ISSUANCE_ID.")
@click.option("--source", type=click.Choice(["LEAF", "DAC"]))
@click.option("--expires-in", default="7d", show_default=True, help="e.g. 30m, 12h, 7d.")
@click.option("--unit", type=click.Choice(["t", "kg"]),
              help="The unit of --quantity: the batch's, or across batches t [default].")
@requires
@renders()
@with_unit()
@idempotent
@amount
def reserve(uow: UnitOfWork, buyer: str, quantity: Amount, batch: str | None, source: str | None,
            expires_in: str, unit: str | None, require: tuple[str, ...],
            idempotency_key: str) -> ReservationView:
    """Hold the lowest available serials for a buyer."""
    return reservations.reserve(uow, buyer=buyer, quantity=quantity, batch=batch,
                                source=source, expires_in=parse_duration(expires_in),
                                require=require, unit=unit, idempotency_key=idempotency_key)
