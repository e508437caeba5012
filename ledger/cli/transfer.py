"""`ledger transfer`: held credits change holder."""

from __future__ import annotations

import click

from ledger.cli.options import amount, idempotent, renders, with_unit
from ledger.quantities import Amount
from ledger.usecases import holdings
from ledger.usecases.unit import UnitOfWork
from ledger.views import TransferView


@click.command()
@click.option("--from", "sender", required=True)
@click.option("--to", "recipient", required=True)
@click.option("--batch", required=True)
@renders()
@with_unit()
@idempotent
@amount
def transfer(uow: UnitOfWork, sender: str, recipient: str, batch: str, quantity: Amount,
             idempotency_key: str) -> TransferView:
    """Move held credits from one holder to another."""
    return holdings.transfer(uow, sender=sender, recipient=recipient, batch=batch,
                             quantity=quantity, idempotency_key=idempotency_key)
