"""`ledger status`: each projection's position and lag."""

from __future__ import annotations

import click

from ledger.cli.options import renders, with_unit
from ledger.usecases import projecting
from ledger.usecases.unit import UnitOfWork
from ledger.views import StatusView


@click.command()
@renders()
@with_unit(sign=False)
def status(uow: UnitOfWork) -> StatusView:
    """Each projection's position, the log's head, and how far behind it is."""
    return projecting.status(uow)
