"""`ledger project [NAME]`: catch projections up, rebuild them, or follow the log."""

from __future__ import annotations

import click

from ledger.cli.options import Seconds, chunk_size_option, renders, with_unit
from ledger.cli.render import StderrProgress
from ledger.projections.registry import PROJECTIONS
from ledger.usecases import confirmations, projecting
from ledger.usecases.unit import UnitOfWork, open_unit
from ledger.views import StatusView


@click.command()
@click.argument("name", required=False, type=click.Choice(list(PROJECTIONS)))
@click.option("--follow", is_flag=True,
              help="Keep applying new events, polling, until interrupted.")
@click.option("--rebuild", is_flag=True, help="Drop the rows and rebuild from the first event.")
@click.option("--interval", type=Seconds(0.01, 3600), default=1.0, show_default=True,
              help="Seconds between polls when following.")
@chunk_size_option(default=500, maximum=10_000, what="Events")
@click.option("--reveal", is_flag=True,
              help="Also reveal hidden beneficiaries whose day has come, at every poll "
                   "(signs: needs the operator's key).")
@renders()
@with_unit(sign=False)
def project(uow: UnitOfWork, name: str | None, follow: bool, rebuild: bool, interval: float,
            chunk_size: int, reveal: bool) -> StatusView:
    """Catch a projection (default: every one) up with the log, rebuild it, or follow it."""
    names = [name] if name else list(PROJECTIONS)
    if not reveal:
        return projecting.project(uow, names=names, rebuild=rebuild, follow=follow,
                                  interval=interval, chunk_size=chunk_size,
                                  progress=StderrProgress())
    with open_unit(uow.settings) as writer:
        return projecting.project(uow, names=names, rebuild=rebuild, follow=follow,
                                  interval=interval, chunk_size=chunk_size,
                                  progress=StderrProgress(),
                                  idle=lambda: confirmations.reveal_due(writer))
