"""`ledger retire`: held credits are used up for a beneficiary. Final."""

from __future__ import annotations

from datetime import date

import click

from ledger.cli.options import Day, amount, idempotent, renders, requires, with_unit
from ledger.quantities import Amount
from ledger.usecases import holdings
from ledger.usecases.claim_data import CLAIM_TYPES, PURPOSES, Claim
from ledger.usecases.unit import UnitOfWork
from ledger.views import RetirementView


@click.command()
@click.option("--holder", required=True)
@click.option("--batch", required=True)
@click.option("--beneficiary", required=True)
@click.option("--reason", required=True)
@click.option("--claim-period", required=True, metavar="YYYY")
@click.option("--on-behalf-of", help="The eligible buyer the operator retires for.")
@click.option("--purpose", type=click.Choice(PURPOSES), help="What the retirement is for.")
@click.option("--claim-type", type=click.Choice(CLAIM_TYPES),
              help="offset (counted against the buyer's emissions) or contribution.")
@click.option("--consumption-country", metavar="CC",
              help="Where the emissions happened: ISO 3166-1 alpha-2 or alpha-3.")
@click.option("--consumption-period", metavar="YYYY[-YYYY]",
              help="When the emissions happened.")
@click.option("--public-note", help="A note shown publicly (at most 256 characters).")
@click.option("--beneficiary-hidden-until", metavar="YYYY-MM-DD", type=Day(),
              help="Keep the beneficiary out of everything published until then (at most 12 "
                   "months): the log holds a salted commitment; `ledger retirement reveal` "
                   "publishes the name once the day has come.")
@requires
@renders()
@with_unit()
@idempotent
@amount
def retire(uow: UnitOfWork, holder: str, batch: str, quantity: Amount, beneficiary: str,
           reason: str, claim_period: str, on_behalf_of: str | None, purpose: str | None,
           claim_type: str | None, consumption_country: str | None,
           consumption_period: str | None, public_note: str | None,
           beneficiary_hidden_until: date | None, require: tuple[str, ...],
           idempotency_key: str) -> RetirementView:
    """Retire held credits for a beneficiary. Final."""
    return holdings.retire(uow, holder=holder, batch=batch, quantity=quantity,
                           beneficiary=beneficiary, reason=reason, claim_period=claim_period,
                           on_behalf_of=on_behalf_of, require=require,
                           claim=Claim(purpose, claim_type, consumption_country,
                                       consumption_period, public_note),
                           hidden_until=beneficiary_hidden_until,
                           idempotency_key=idempotency_key)
