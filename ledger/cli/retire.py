"""`ledger retire`: held credits are used up for a beneficiary. Final."""

from __future__ import annotations

import click

from ledger.cli.options import amount, idempotent, renders, requires, with_unit
from ledger.quantities import Amount
from ledger.usecases import holdings
from ledger.usecases.unit import UnitOfWork
from ledger.views import RetirementView


@click.command()
@click.option("--holder", required=True)
@click.option("--batch", required=True)
@click.option("--beneficiary", required=True)
@click.option("--reason", required=True)
@click.option("--claim-period", required=True, metavar="YYYY")
@click.option("--on-behalf-of", help="The eligible buyer the operator retires for.")
@requires
@renders()
@with_unit()
@idempotent
@amount
def retire(uow: UnitOfWork, holder: str, batch: str, quantity: Amount, beneficiary: str,
           reason: str, claim_period: str, on_behalf_of: str | None, require: tuple[str, ...],
           idempotency_key: str) -> RetirementView:
    """Retire held credits for a beneficiary. Final."""
    return holdings.retire(uow, holder=holder, batch=batch, quantity=quantity,
                           beneficiary=beneficiary, reason=reason, claim_period=claim_period,
                           on_behalf_of=on_behalf_of, require=require,
                           idempotency_key=idempotency_key)
