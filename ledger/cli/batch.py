"""`ledger batch amend`: correct a batch's issuance data, keeping both values."""

from __future__ import annotations

import click

from ledger.cli.options import renders, with_unit
from ledger.usecases import amendments
from ledger.usecases.unit import UnitOfWork
from ledger.views import AmendmentView


@click.group()
def batch() -> None:
    """Correct a batch's issuance data after the fact (an event keeping both values)."""


@batch.command("amend")
@click.argument("reference")
@click.option("--field", required=True, metavar="PATH",
              help="A field of the issuance document, dotted: methodology, project.name, "
                   "verification.report_date, facility.operator, …")
@click.option("--value", required=True, help="The corrected value.")
@click.option("--evidence", required=True, help="What shows it: a registry notice, …")
@renders()
@with_unit()
def batch_amend(uow: UnitOfWork, reference: str, field: str, value: str,
                evidence: str) -> AmendmentView:
    """Amend one field of a batch's issuance data."""
    return amendments.amend(uow, batch=reference, field=field, value=value, evidence=evidence)
