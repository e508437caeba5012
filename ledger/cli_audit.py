"""`ledger audit`: replay the whole log, alone, and check every signature, link, checkpoint,
invariant and projection; or show the ledger as it stood at a past point."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from ledger.audit.report import AuditReport
from ledger.audit.run import audit
from ledger.cli import common
from ledger.context import Settings, open_ledger, store_errors
from ledger.errors import InvalidArgument
from ledger.projections.runner import open_database
from ledger.render import reporter, say, table
from ledger.signing.keys import read_trust


@click.command("audit")
@click.option("--as-of", metavar="ISO_TIME", help="Stop before the first event made after it.")
@click.option("--upto", type=int, metavar="POSITION", help="Stop after this log position.")
@click.option("--jobs", type=int, default=os.cpu_count() or 1, show_default="all cores",
              help="Processes checking signatures.")
@click.option("--fail-fast", is_flag=True, help="Stop at the first problem.")
@click.option("--trust", metavar="FILE", help="Trust list (`ledger keys trust --export`); "
              "default: the key directory's.")
@common
def audit_command(db: str | None, key_dir: str | None, as_json: bool, as_of: str | None,
                  upto: int | None, jobs: int, fail_fast: bool, trust: str | None) -> int:
    """Exit 0 when clean, 5 when anything is wrong (every problem listed)."""
    when = parse_time(as_of) if as_of else None
    if when is not None and upto is not None:
        raise InvalidArgument("expected --as-of or --upto, found both")
    if not 1 <= jobs <= 64:
        raise InvalidArgument(f"--jobs: expected 1 to 64, found {jobs}")
    settings = Settings(db, key_dir)
    with open_ledger(settings, sign=False) as ledger, store_errors(settings.store):
        trusted = (read_trust(Path(trust))[1] if trust
                   else list(ledger.keyring.trusted.values()))
        database = open_database(settings.store)
        try:
            report = audit(ledger, database, trusted, jobs=jobs, upto=upto, as_of=when,
                           fail_fast=fail_fast,
                           progress=lambda at, end: say(f"audit: at position {at} of {end}"))
        finally:
            database.close()
    show(report, as_json)
    return 0 if report.clean else 5


def parse_time(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidArgument(f"--as-of: expected an ISO 8601 time, found {text!r}") from None
    if moment.tzinfo is None:
        raise InvalidArgument(f"--as-of: expected a time zone (e.g. Z or +00:00), found {text!r}")
    return moment


def show(report: AuditReport, as_json: bool) -> None:
    if as_json:
        reporter(True).show(report.to_dict())
        return
    print(report.summary())
    if report.as_of:
        show_as_of(report.as_of)


def show_as_of(figures: dict[str, Any]) -> None:
    print(f"\nas of event {figures['events']}:")
    print(table(("batch", "minted", "available", "reserved", "held", "retired"),
                [tuple(row.values()) for row in figures["supply"]]))
    print(table(("holder", "batch", "available", "reserved", "retired"),
                [tuple(row.values()) for row in figures["balances"]]))
    for buyer, years in figures["retirements_by_buyer"].items():
        print(f"retired by {buyer}: " + ", ".join(f"{y} {n}" for y, n in years.items()))
    cp = figures["covering_checkpoint"]
    print(f"covering checkpoint: tree size {cp['tree_size']}, root {cp['root_hash']}" if cp
          else "no signed checkpoint covers this point yet")


def register(cli: click.Group) -> None:
    cli.add_command(audit_command)
