"""`ledger balance [HOLDER]`: credits per holder and batch, from the balances projection."""

from __future__ import annotations

import click

from ledger.cli.options import catch_up_option, renders, with_unit
from ledger.cli.render import StderrProgress
from ledger.usecases import reads
from ledger.usecases.unit import UnitOfWork
from ledger.views import BalanceView


@click.command()
@click.argument("holder", required=False)
@catch_up_option
@renders()
@with_unit(sign=False)
def balance(uow: UnitOfWork, holder: str | None, no_catch_up: bool
            ) -> BalanceView | list[BalanceView]:
    """A holder's credits per batch (available, reserved, retired, cancelled); every holder
    without one."""
    if holder:
        return reads.balance(uow, holder=holder, catch_up=not no_catch_up,
                             progress=StderrProgress())
    return reads.all_balances(uow, catch_up=not no_catch_up, progress=StderrProgress())
