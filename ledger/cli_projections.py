"""`ledger balance`, `supply`, `retirements`, `project` and `status`: the read models.

Queries first catch their projection up, so a newcomer always sees current numbers;
``--no-catch-up`` reads the rows as they are (on a read replica, say).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click

from ledger.cli import common
from ledger.context import Settings, open_ledger
from ledger.errors import NotFound
from ledger.eventstore import LedgerStore
from ledger.projections import balances, retirements, supply
from ledger.projections.registry import PROJECTIONS
from ledger.projections.runner import (
    BATCH_SIZE,
    Database,
    Decoder,
    Runner,
    catch_up,
    follow,
    open_database,
    read_position,
)
from ledger.render import reporter, say, table

F = TypeVar("F", bound=Callable[..., Any])
COUNTS = ["minted", "available", "reserved", "held", "retired"]


class Progress:
    """Progress of a long catch-up on stderr: a line at most every ``every`` seconds."""

    def __init__(self, every: float = 2.0) -> None:
        self.every = every
        self.last = time.monotonic()

    def __call__(self, name: str, position: int, head: int) -> None:
        if time.monotonic() - self.last >= self.every:
            self.last = time.monotonic()
            say(f"{name}: at event {position} of {head} ({100 * position // max(head, 1)}%)")


def runners(ledger: LedgerStore, db: Database, names: list[str], batch_size: int = BATCH_SIZE
            ) -> list[Runner]:
    """Runners for the projections ``names``, sharing one decoder."""
    decoder = Decoder(ledger)
    return [Runner(ledger, db, PROJECTIONS[n](), batch_size, decoder) for n in names]


@contextmanager
def reading(settings: Settings, name: str, catch: bool) -> Iterator[Database]:
    """The projections' database, with projection ``name`` caught up first if ``catch``."""
    if not catch:
        with _database(settings) as db:
            yield db
        return
    with open_ledger(settings, sign=False) as ledger, _database(settings) as db:
        catch_up(runners(ledger, db, [name]), Progress())
        yield db


@contextmanager
def _database(settings: Settings) -> Iterator[Database]:
    db = open_database(settings.store)
    try:
        yield db
    finally:
        db.close()


def reads(name: str) -> Callable[[F], F]:
    """--db, --key-dir, --json and --no-catch-up; the command gets the caught-up database."""

    def decorate(command: F) -> F:
        @common
        @click.option("--no-catch-up", is_flag=True,
                      help="Read the projection as it is, without applying new events first.")
        @functools.wraps(command)
        def wrapper(db: str | None, key_dir: str | None, as_json: bool, no_catch_up: bool,
                    **kwargs: Any) -> None:
            with reading(Settings(db, key_dir), name, not no_catch_up) as database:
                command(database, as_json, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def show(as_json: bool, data: Any, text: Callable[[], str]) -> None:
    """Print ``data`` as JSON, or ``text()`` for people."""
    if as_json:
        reporter(True).show(data)
    else:
        print(text())


@click.command("balance")
@click.argument("holder", required=False)
@reads("balances")
def balance_command(db: Database, as_json: bool, holder: str | None) -> None:
    """A holder's credits per batch (available, reserved, retired); every holder without one."""
    result = balances.balance(db, holder) if holder else balances.balances(db)
    reporter(as_json).show(result)


@click.command("supply")
@click.option("--by", type=click.Choice(list(supply.GROUPS)), default="batch", show_default=True)
@reads("supply")
def supply_command(db: Database, as_json: bool, by: str) -> None:
    """Credits minted, available, reserved, held and retired, per batch, source or vintage."""
    rows = supply.supply(db, by)
    keys = supply.GROUPS[by][0].split(", ")
    show(as_json, rows, lambda: table([*keys, *COUNTS], [[r[k] for k in [*keys, *COUNTS]]
                                                         for r in rows]))


@click.command("retirements")
@click.option("--buyer", help="Only this buyer's retirements.")
@click.option("--year", type=int, help="Only retirements made in this year (UTC).")
@reads("retirements")
def retirements_command(db: Database, as_json: bool, buyer: str | None, year: int | None) -> None:
    """Every retirement, and each buyer's totals by year and by source."""
    result = {
        "retirements": retirements.retirements(db, buyer, year),
        "totals_by_year": retirements.totals(db, "year", buyer, year),
        "totals_by_source": retirements.totals(db, "source", buyer, year),
    }
    show(as_json, result, lambda: retirements_text(result))


def retirements_text(result: dict[str, Any]) -> str:
    if not result["retirements"]:
        return "no retirements"
    rows = [[r["retired_at"][:10], r["buyer"], r["beneficiary"], r["batch"], r["quantity"],
             ", ".join(f"{f}..{la}" for f, la in r["blocks"]), r["claim_period"], r["reason"]]
            for r in result["retirements"]]
    parts = [table(["date", "buyer", "beneficiary", "batch", "quantity", "serials",
                    "claim period", "reason"], rows)]
    for by in ("year", "source"):
        totals = result[f"totals_by_{by}"]
        parts.append(f"totals by {by}\n" + table(
            ["buyer", by, "quantity", "retirements"],
            [[t["buyer"], t[by], t["quantity"], t["retirements"]] for t in totals]))
    return "\n\n".join(parts)


@click.command("project")
@click.argument("name", required=False, type=click.Choice(list(PROJECTIONS)))
@click.option("--follow", "keep_following", is_flag=True,
              help="Keep applying new events, polling, until interrupted.")
@click.option("--rebuild", is_flag=True, help="Drop the rows and rebuild from the first event.")
@click.option("--interval", type=float, default=1.0, show_default=True,
              help="Seconds between polls when following.")
@click.option("--batch-size", type=click.IntRange(1, 10_000), default=BATCH_SIZE,
              show_default=True, help="Events per transaction.")
@common
def project(db: str | None, key_dir: str | None, as_json: bool, name: str | None,
            keep_following: bool, rebuild: bool, interval: float, batch_size: int) -> None:
    """Catch a projection (default: every one) up with the log, rebuild it, or follow it."""
    settings = Settings(db, key_dir)
    with open_ledger(settings, sign=False) as ledger, _database(settings) as database:
        chosen = runners(ledger, database, [name] if name else list(PROJECTIONS), batch_size)
        for runner in chosen if rebuild else []:
            runner.rebuild()
        try:
            if keep_following:
                follow(chosen, interval, Progress())
            else:
                catch_up(chosen, Progress())
        except KeyboardInterrupt:
            say("stopped")
        report = [position(r.name, database, r.head()) for r in chosen]
    show(as_json, report, lambda: status_text(report))


@click.command("status")
@common
def status(db: str | None, key_dir: str | None, as_json: bool) -> None:
    """Each projection's position, the log's head, and how far behind it is."""
    settings = Settings(db, key_dir)
    with open_ledger(settings, sign=False) as ledger, _database(settings) as database:
        head = ledger.recorder.max_notification_id() or 0
        report = [position(n, database, head) for n in PROJECTIONS]
    show(as_json, report, lambda: status_text(report))


def position(name: str, db: Database, head: int) -> dict[str, Any]:
    """A projection's position and lag behind ``head``; position None when never built."""
    try:
        at: int | None = read_position(db, name)
    except NotFound:
        at = None
    return {"projection": name, "position": at, "head": head, "lag": head - (at or 0)}


def status_text(report: list[dict[str, Any]]) -> str:
    rows = [[r["projection"], "not built" if r["position"] is None else r["position"],
             r["head"], r["lag"]] for r in report]
    return table(["projection", "position", "head", "lag"], rows)


def register(cli: click.Group) -> None:
    """Add the read-model commands."""
    for command in (balance_command, supply_command, retirements_command, project, status):
        cli.add_command(command)
