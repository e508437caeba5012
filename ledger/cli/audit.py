"""`ledger audit`: replay the whole log, alone, and check every signature, link, checkpoint,
invariant and projection; or show the ledger as it stood at a past point."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from ledger.audit.report import AuditReport
from ledger.cli.options import Whole, renders, with_unit
from ledger.cli.render import StderrProgress
from ledger.cli.text import table, text_of
from ledger.errors import InvalidArgument
from ledger.usecases import auditing
from ledger.usecases.unit import UnitOfWork


@click.command()
@click.option("--as-of", metavar="ISO_TIME", help="Stop before the first event made after it.")
@click.option("--upto", type=Whole(), metavar="POSITION", help="Stop after this log position.")
@click.option("--jobs", type=Whole(1, 256), default=os.cpu_count() or 1, show_default="all cores",
              help="Processes checking signatures.")
@click.option("--fail-fast", is_flag=True, help="Stop at the first problem.")
@click.option("--trust", metavar="FILE", help="Trust list (`ledger keys trust --export`); "
              "default: the key directory's.")
@click.option("--checkpoint", "checkpoints", multiple=True, metavar="FILE",
              help="A checkpoint held outside the store (a signed note, or a proof file that "
              "carries one): the log must extend it. Repeatable.")
@click.option("--allow-lag", is_flag=True, help="A projection behind the log is a note, not "
              "a problem.")
@renders()
@with_unit(sign=False)
def audit(uow: UnitOfWork, as_of: str | None, upto: int | None, jobs: int, fail_fast: bool,
          trust: str | None, checkpoints: tuple[str, ...], allow_lag: bool) -> AuditReport:
    """Replay the whole log and check everything; exit 0 when clean, 5 when anything is wrong
    (every problem listed).

    Also checks that the log extends every checkpoint held outside the store: each
    --checkpoint FILE and the last one the operator's key signed (in the key directory)."""
    when = parse_time(as_of) if as_of else None
    if when is not None and upto is not None:
        raise InvalidArgument("expected --as-of or --upto, found both")
    if not 1 <= jobs <= 64:
        raise InvalidArgument(f"--jobs: expected 1 to 64, found {jobs}")
    return auditing.audit(uow, trust=Path(trust) if trust else None, jobs=jobs, upto=upto,
                          as_of=when, fail_fast=fail_fast,
                          checkpoints=[Path(c) for c in checkpoints], allow_lag=allow_lag,
                          progress=StderrProgress())


def parse_time(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidArgument(f"--as-of: expected an ISO 8601 time, found {text!r}") from None
    if moment.tzinfo is None:
        raise InvalidArgument(f"--as-of: expected a time zone (e.g. Z or +00:00), found {text!r}")
    return moment


@text_of.register
def _(result: AuditReport) -> str:
    lines = [result.summary()]
    if result.as_of:
        lines.append(as_of_text(result.as_of))
    return "\n".join(lines)


def as_of_text(figures: dict[str, Any]) -> str:
    cp = figures["covering_checkpoint"]
    lines = [
        f"\nas of event {figures['events']}:",
        table(("batch", "minted", "available", "reserved", "held", "retired"),
              [tuple(row.values()) for row in figures["supply"]]),
        table(("holder", "batch", "available", "reserved", "retired"),
              [tuple(row.values()) for row in figures["balances"]]),
        *[f"retired by {buyer}: " + ", ".join(f"{y} {n}" for y, n in years.items())
          for buyer, years in figures["retirements_by_buyer"].items()],
        f"covering checkpoint: tree size {cp['tree_size']}, root {cp['root_hash']}" if cp
        else "no signed checkpoint covers this point yet",
    ]
    return "\n".join(lines)
