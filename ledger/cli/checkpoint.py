"""`ledger checkpoint` and `ledger checkpoints`: sign the log's head, list what was signed."""

from __future__ import annotations

import click

from ledger.cli.options import renders, with_unit
from ledger.usecases import checkpoints as signed
from ledger.usecases.unit import UnitOfWork
from ledger.views import CheckpointsView, CheckpointView


@click.command()
@renders()
@with_unit()
def checkpoint(uow: UnitOfWork) -> CheckpointView:
    """Sign the current tree head as a C2SP tlog-checkpoint (after proving it consistent with
    the last one signed) and print the signed note."""
    return signed.sign_head(uow)


@click.command()
@renders()
@with_unit(sign=False)
def checkpoints(uow: UnitOfWork) -> CheckpointsView:
    """List the signed checkpoints, oldest first."""
    return signed.list_checkpoints(uow)
