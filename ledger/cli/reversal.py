"""`ledger reversal record`: a registry reported that tonnes a batch stood for were lost."""

from __future__ import annotations

import click

from ledger.cli.options import Whole, idempotent, renders, with_unit
from ledger.usecases import reversals
from ledger.usecases.unit import UnitOfWork
from ledger.views import ReversalView


@click.group()
def reversal() -> None:
    """Record a reversal a registry reported: tonnes a batch's credits stood for, lost."""


@reversal.command("record")
@click.option("--batch", required=True)
@click.option("--quantity", type=Whole(), required=True,
              help="How much was reported lost, in the batch's unit.")
@click.option("--evidence", required=True, help="The registry's reversal report, …")
@renders()
@with_unit()
@idempotent
def reversal_record(uow: UnitOfWork, batch: str, quantity: int, evidence: str,
                    idempotency_key: str) -> ReversalView:
    """Record a reported loss on a batch."""
    return reversals.record_reversal(uow, batch=batch, quantity=quantity, evidence=evidence,
                                     idempotency_key=idempotency_key)
