"""`ledger label apply|revoke`: what a batch's credits may be used for, with evidence."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import click

from ledger.aggregates.labels import VOCABULARY
from ledger.cli.options import Day, renders, with_unit
from ledger.usecases import labelling
from ledger.usecases.unit import UnitOfWork
from ledger.views import LabelView

F = TypeVar("F", bound=Callable[..., Any])
VOCABULARY_HELP = "; ".join(f"{label}: {meaning}" for label, meaning in VOCABULARY.items())


def _options(command: F) -> F:
    for option in reversed([
        click.option("--batch", required=True, help="Batch reference REGISTRY:ISSUANCE_ID."),
        click.option("--label", required=True, type=click.Choice(list(VOCABULARY)),
                     help=VOCABULARY_HELP),
        click.option("--evidence", required=True,
                     help="What shows it: an authorisation letter, a registry notice, …"),
        click.option("--effective", metavar="YYYY-MM-DD", type=Day(),
                     help="The day it takes effect [default: today]."),
    ]):
        command = option(command)
    return command


@click.group()
def label() -> None:
    """Apply or revoke a batch's labels (CORSIA phase, Article 6, corresponding adjustment,
    CCP), each change an event with its evidence."""


@label.command("apply")
@_options
@renders()
@with_unit()
def label_apply(uow: UnitOfWork, batch: str, label: str, evidence: str,
                effective: date | None) -> LabelView:
    """Apply a label to a batch."""
    return labelling.apply_label(uow, batch=batch, label=label, evidence=evidence,
                                 effective=effective)


@label.command("revoke")
@_options
@renders()
@with_unit()
def label_revoke(uow: UnitOfWork, batch: str, label: str, evidence: str,
                 effective: date | None) -> LabelView:
    """Revoke a label from a batch."""
    return labelling.revoke_label(uow, batch=batch, label=label, evidence=evidence,
                                  effective=effective)
