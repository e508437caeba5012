"""`ledger withdraw`: the registry took back credits the operator never sold."""

from __future__ import annotations

import click

from ledger.cli.options import amount, idempotent, renders, with_unit
from ledger.quantities import Amount
from ledger.usecases import cancellations
from ledger.usecases.unit import UnitOfWork
from ledger.views import CancellationView


@click.command()
@click.option("--batch", required=True)
@click.option("--reason", required=True)
@renders()
@with_unit()
@idempotent
@amount
def withdraw(uow: UnitOfWork, batch: str, quantity: Amount, reason: str,
             idempotency_key: str) -> CancellationView:
    """Withdraw unsold credits the registry took back (a correction cancellation). Only the
    operator's unreserved inventory: nothing a buyer holds or has reserved."""
    return cancellations.withdraw(uow, batch=batch, quantity=quantity, reason=reason,
                                  idempotency_key=idempotency_key)
