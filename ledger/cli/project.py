"""`ledger project [NAME]`: catch projections up, rebuild them, or follow the log."""

from __future__ import annotations

import click

from ledger.cli.options import Seconds, chunk_size_option, renders, with_unit
from ledger.cli.render import StderrProgress
from ledger.projections.registry import PROJECTIONS
from ledger.usecases import projecting
from ledger.usecases.unit import UnitOfWork
from ledger.views import StatusView


@click.command()
@click.argument("name", required=False, type=click.Choice(list(PROJECTIONS)))
@click.option("--follow", is_flag=True,
              help="Keep applying new events, polling, until interrupted.")
@click.option("--rebuild", is_flag=True, help="Drop the rows and rebuild from the first event.")
@click.option("--interval", type=Seconds(0.01, 3600), default=1.0, show_default=True,
              help="Seconds between polls when following.")
@chunk_size_option(default=500, maximum=10_000, what="Events")
@renders()
@with_unit(sign=False)
def project(uow: UnitOfWork, name: str | None, follow: bool, rebuild: bool, interval: float,
            chunk_size: int) -> StatusView:
    """Catch a projection (default: every one) up with the log, rebuild it, or follow it."""
    return projecting.project(uow, names=[name] if name else list(PROJECTIONS),
                              rebuild=rebuild, follow=follow, interval=interval,
                              chunk_size=chunk_size, progress=StderrProgress())
