"""`ledger cancel`: credits leave circulation without a claim. Terminal."""

from __future__ import annotations

import click

from ledger.aggregates.cancellation import KINDS
from ledger.cli.options import amount, idempotent, renders, requires, with_unit
from ledger.quantities import Amount
from ledger.usecases import cancellations
from ledger.usecases.unit import UnitOfWork
from ledger.views import CancellationView


@click.command()
@click.option("--holder", required=True,
              help="Whose credits: the operator (its unreserved inventory) or a holder.")
@click.option("--batch", required=True)
@click.option("--type", "kind", type=click.Choice(KINDS), required=True,
              help="What it is for: compliance (e.g. CORSIA), correction, registry-transfer, "
                   "buffer or other.")
@click.option("--reason", required=True)
@click.option("--details", default="",
              help="E.g. the aeroplane operator and CORSIA phase of a compliance cancellation.")
@requires
@renders()
@with_unit()
@idempotent
@amount
def cancel(uow: UnitOfWork, holder: str, batch: str, quantity: Amount, kind: str, reason: str,
           details: str, require: tuple[str, ...], idempotency_key: str) -> CancellationView:
    """Cancel credits without a claim (compliance such as CORSIA, correction, registry
    transfer, buffer). Terminal: no beneficiary, and the credits never move again."""
    return cancellations.cancel(uow, holder=holder, batch=batch, quantity=quantity, kind=kind,
                                reason=reason, details=details, require=require,
                                idempotency_key=idempotency_key)
