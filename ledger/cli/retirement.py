"""`ledger retirement confirm|revert`: the registry's side of a retirement."""

from __future__ import annotations

from datetime import datetime

import click

from ledger.cli.options import Time, renders, with_unit
from ledger.usecases import confirmations
from ledger.usecases.unit import UnitOfWork
from ledger.views import RetirementView


@click.group()
def retirement() -> None:
    """Confirm a pending retirement with the registry's reference, or revert one the registry
    never made."""


@retirement.command("confirm")
@click.argument("ref")
@click.option("--registry-ref", required=True,
              help="The registry's own id of the retirement (its retirement report's).")
@click.option("--registry-url", help="Where the registry shows it (https://).")
@click.option("--confirmed-at", metavar="TIME", type=Time(),
              help="When the registry recorded it [default: now].")
@renders()
@with_unit()
def retirement_confirm(uow: UnitOfWork, ref: str, registry_ref: str, registry_url: str | None,
                       confirmed_at: datetime | None) -> RetirementView:
    """Confirm a pending retirement (by id or idempotency key): the registry shows it."""
    return confirmations.confirm_retirement(uow, retirement=ref, registry_ref=registry_ref,
                                            registry_url=registry_url,
                                            confirmed_at=confirmed_at)


@retirement.command("reveal")
@renders()
@with_unit()
def retirement_reveal(uow: UnitOfWork) -> list[RetirementView]:
    """Reveal every hidden beneficiary whose date has come (a signed event each)."""
    return confirmations.reveal_due(uow)


@retirement.command("revert")
@click.argument("ref")
@click.option("--reason", required=True)
@renders()
@with_unit()
def retirement_revert(uow: UnitOfWork, ref: str, reason: str) -> RetirementView:
    """Revert a pending retirement the registry never made: its credits go back to the
    holder."""
    return confirmations.revert_retirement(uow, retirement=ref, reason=reason)
