"""`ledger replace`: retire replacement credits for a retirement whose batch was reversed."""

from __future__ import annotations

import click

from ledger.cli.options import Whole, idempotent, renders, with_unit
from ledger.usecases import reversals
from ledger.usecases.unit import UnitOfWork
from ledger.views import RetirementView


@click.command()
@click.option("--retirement", required=True, help="The retirement replaced (id or key).")
@click.option("--from-batch", required=True, help="The batch the replacement credits come from.")
@click.option("--quantity", type=Whole(), required=True)
@click.option("--holder", help="Whose credits replace them [default: the operator's inventory].")
@renders()
@with_unit()
@idempotent
def replace(uow: UnitOfWork, retirement: str, from_batch: str, quantity: int,
            holder: str | None, idempotency_key: str) -> RetirementView:
    """Retire replacement credits for the beneficiary of a retirement whose batch had a
    reversal, linked to it; the original retirement stays as it was."""
    return reversals.replace(uow, retirement=retirement, from_batch=from_batch,
                             quantity=quantity, holder=holder,
                             idempotency_key=idempotency_key)
