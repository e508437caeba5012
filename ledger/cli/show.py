"""`ledger show batch|reservation|retirement|cancellation|account REF`: one thing, from its own
events."""

from __future__ import annotations

import click

from ledger.cli.options import renders, with_unit
from ledger.usecases import reads
from ledger.usecases.unit import UnitOfWork
from ledger.views import View


@click.command()
@click.argument("kind", type=click.Choice(
    ["batch", "reservation", "retirement", "cancellation", "account"]))
@click.argument("ref")
@renders()
@with_unit()
def show(uow: UnitOfWork, kind: str, ref: str) -> View:
    """Show one batch, reservation, retirement, cancellation or account."""
    if kind == "batch":
        return reads.show_batch(uow, batch=ref)
    if kind == "reservation":
        return reads.show_reservation(uow, reservation=ref)
    if kind == "retirement":
        return reads.show_retirement(uow, retirement=ref)
    if kind == "cancellation":
        return reads.show_cancellation(uow, cancellation=ref)
    return reads.show_account(uow, handle=ref)
