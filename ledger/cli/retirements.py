"""`ledger retirements`: every retirement, from the retirements projection."""

from __future__ import annotations

import click

from ledger.cli.options import Whole, catch_up_option, renders, with_unit
from ledger.cli.render import StderrProgress
from ledger.usecases import reads
from ledger.usecases.unit import UnitOfWork
from ledger.views import RetirementsView


@click.command()
@click.option("--buyer", help="Only this buyer's retirements.")
@click.option("--year", type=Whole(1, 9999), help="Only retirements made in this year (UTC).")
@catch_up_option
@renders()
@with_unit(sign=False)
def retirements(uow: UnitOfWork, buyer: str | None, year: int | None,
                no_catch_up: bool) -> RetirementsView:
    """Every retirement, and each buyer's totals by year and by source."""
    return reads.retired(uow, buyer=buyer, year=year, catch_up=not no_catch_up,
                         progress=StderrProgress())
