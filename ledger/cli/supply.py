"""`ledger supply`: where every batch's credits are, from the supply projection."""

from __future__ import annotations

import click

from ledger.cli.options import catch_up_option, renders, with_unit
from ledger.cli.render import StderrProgress
from ledger.projections.supply import GROUPS
from ledger.usecases import reads
from ledger.usecases.unit import UnitOfWork
from ledger.views import SupplyView


@click.command()
@click.option("--by", type=click.Choice(list(GROUPS)), default="batch", show_default=True)
@catch_up_option
@renders()
@with_unit(sign=False)
def supply(uow: UnitOfWork, by: str, no_catch_up: bool) -> SupplyView:
    """Credits minted, available, reserved, held, retired and cancelled, per batch, source or
    vintage."""
    return reads.supply_by(uow, by=by, catch_up=not no_catch_up, progress=StderrProgress())
