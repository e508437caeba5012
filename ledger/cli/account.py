"""`ledger account open|update`: accounts and buyers' eligibility evidence."""

from __future__ import annotations

import click

from ledger.cli.options import renders, with_unit
from ledger.parsing import parse_scopes
from ledger.usecases import accounts
from ledger.usecases.unit import UnitOfWork
from ledger.views import AccountView


@click.group()
def account() -> None:
    """Open accounts and keep buyers' eligibility evidence."""


@account.command("open")
@click.argument("handle")
@click.option("--name", required=True, help="The holder's legal name.")
@click.option("--role", type=click.Choice(["buyer", "buffer"]), required=True)
@click.option("--climate-pledge", is_flag=True, help="Signatory of The Climate Pledge.")
@click.option("--scope-targets", metavar="1,2,3", help="Scopes covered by reduction targets.")
@renders()
@with_unit()
def account_open(uow: UnitOfWork, handle: str, name: str, role: str, climate_pledge: bool,
                 scope_targets: str | None) -> AccountView:
    """Open an account."""
    return accounts.open_account(uow, handle=handle, name=name, role=role,
                                 climate_pledge=climate_pledge,
                                 scope_targets=parse_scopes(scope_targets))


@account.command("update")
@click.argument("handle")
@click.option("--climate-pledge/--no-climate-pledge", required=True)
@click.option("--scope-targets", metavar="1,2,3", default="")
@renders()
@with_unit()
def account_update(uow: UnitOfWork, handle: str, climate_pledge: bool,
                   scope_targets: str) -> AccountView:
    """Record new eligibility evidence for a buyer."""
    return accounts.update_eligibility(uow, handle=handle, climate_pledge=climate_pledge,
                                       scope_targets=parse_scopes(scope_targets))
