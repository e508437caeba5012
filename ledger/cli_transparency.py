"""`ledger checkpoint`, `checkpoints`, `proof` and `consistency`: the operator's side of the
transparency log. (`ledger verify` and `verify-consistency`, the buyer's side, need no store.)"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from ledger.app import Ledger
from ledger.cli import common
from ledger.context import Settings, open_ledger
from ledger.projections.runner import Database, open_database
from ledger.render import reporter, say, table
from ledger.transparency.bundle import bundle_json, to_tlog_proof
from ledger.transparency.checkpoints import (
    StoredCheckpoint,
    checkpoint_at,
    checkpoints,
    consistency,
    retirement_proof,
    sign_head,
)
from ledger.transparency.verify import format_consistency_proof


@contextmanager
def log_session(settings: Settings) -> Iterator[tuple[Ledger, Database]]:
    with open_ledger(settings) as ledger:
        db = open_database(settings.store)
        try:
            yield ledger, db
        finally:
            db.close()


def checkpoint_json(c: StoredCheckpoint) -> dict[str, object]:
    return {"tree_size": c.tree_size, "root_hash": base64.b64encode(c.root_hash).decode(),
            "key_id": c.key_id, "signed_at": c.signed_at.isoformat(), "note": c.note}


@click.command()
@common
def checkpoint(db: str | None, key_dir: str | None, as_json: bool) -> None:
    """Sign the current tree head as a C2SP tlog-checkpoint (after proving it consistent with
    the last one signed) and print the signed note."""
    with log_session(Settings(db, key_dir)) as (ledger, database):
        signed = sign_head(ledger, database)
    if as_json:
        reporter(True).show(checkpoint_json(signed))
    else:
        print(signed.note, end="")


@click.command("checkpoints")
@common
def list_checkpoints(db: str | None, key_dir: str | None, as_json: bool) -> None:
    """List the signed checkpoints, oldest first."""
    with log_session(Settings(db, key_dir)) as (_, database):
        signed = checkpoints(database)
    if as_json:
        reporter(True).show([checkpoint_json(c) for c in signed])
        return
    rows = [(c.tree_size, base64.b64encode(c.root_hash).decode(), c.key_id,
             f"{c.signed_at:%Y-%m-%d %H:%M:%S}") for c in signed]
    print(table(("tree size", "root hash", "key", "signed at (UTC)"), rows) if rows
          else "no checkpoints yet (ledger checkpoint)")


@click.command()
@click.argument("retirement")
@click.option("-o", "--output", metavar="FILE", help="Write the proof to FILE, not stdout.")
@click.option("--format", "form", type=click.Choice(["json", "tlog-proof"]), default="json",
              show_default=True, help="Our JSON bundle, or the C2SP tlog-proof text.")
@common
def proof(db: str | None, key_dir: str | None, as_json: bool, retirement: str,
          output: str | None, form: str) -> None:
    """Write the proof of a retirement (by id or idempotency key) that a buyer verifies
    offline with `ledger verify FILE --key VKEY`."""
    with log_session(Settings(db, key_dir)) as (ledger, database):
        bundle = retirement_proof(ledger, database, retirement)
    text = bundle_json(bundle).decode() if form == "json" else to_tlog_proof(bundle)
    if output:
        Path(output).write_text(text)
        say(f"wrote the proof of retirement {bundle.summary.retirement_id} (leaf "
            f"{bundle.leaf_index} of {bundle.tree_size}) to {output}")
    else:
        print(text, end="" if text.endswith("\n") else "\n")


@click.command("consistency")
@click.argument("old_size", type=int)
@click.argument("new_size", type=int)
@click.option("-o", "--output", metavar="FILE", help="Write the proof to FILE.")
@common
def consistency_command(db: str | None, key_dir: str | None, as_json: bool, old_size: int,
                        new_size: int, output: str | None) -> None:
    """Print the RFC 9162 consistency proof between two signed checkpoints (base64 hashes,
    one a line), for `ledger verify-consistency OLD NEW PROOF`."""
    with log_session(Settings(db, key_dir)) as (_, database):
        old, new = checkpoint_at(database, old_size), checkpoint_at(database, new_size)
        hashes = consistency(database, old.tree_size, new.tree_size)
    text = format_consistency_proof(hashes)
    if as_json:
        reporter(True).show({"old_size": old_size, "new_size": new_size,
                             "proof": [base64.b64encode(h).decode() for h in hashes]})
    elif output:
        Path(output).write_text(text)
        say(f"wrote {len(hashes)} hashes to {output}")
    else:
        print(text, end="")


def register(cli: click.Group) -> None:
    for command in (checkpoint, list_checkpoints, proof, consistency_command):
        cli.add_command(command)
