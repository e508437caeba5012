"""`ledger backup` and `ledger restore`: a consistent copy of the store, and putting one back
into an empty store, saying what the restore lost."""

from __future__ import annotations

from pathlib import Path

import click

from ledger.cli.options import renders, with_settings
from ledger.cli.text import text_of
from ledger.settings import Settings
from ledger.usecases import backups
from ledger.views import BackupView, RestoreView


@click.command()
@click.argument("destination", metavar="DEST")
@click.option("--force", is_flag=True, help="Replace DEST when it exists.")
@renders()
@with_settings
def backup(settings: Settings, destination: str, force: bool) -> BackupView:
    """Write a consistent copy of the store to DEST while writers run (SQLite: the online
    backup API; PostgreSQL: pg_dump of the ledger's schema). The key directory is not in it:
    back it up apart, and never restore its signed checkpoint from an old copy."""
    return backups.backup(settings, destination=Path(destination), force=force)


@click.command()
@click.argument("source", metavar="BACKUP")
@click.option("--since", multiple=True, metavar="FILE",
              help="A checkpoint held outside the store (a signed note, or a proof file that "
                   "carries one), repeatable: the restored log must extend it.")
@renders()
@with_settings
def restore(settings: Settings, source: str, since: tuple[str, ...]) -> RestoreView:
    """Put BACKUP into an empty store, then compare the restored log with the checkpoint the
    operator's key signed last and each --since FILE: exit 5 (log_rolled_back) naming what
    the restore lost, the restored store left in place to be inspected."""
    return backups.restore(settings, source=Path(source), since=[Path(s) for s in since])


@text_of.register
def _(result: BackupView) -> str:
    return (f"backed up {result.store} to {result.backup}: {result.events} events, "
            f"transparency log of {result.tree_size}, latest checkpoint of tree size "
            f"{result.checkpoint}; {result.bytes:,} bytes in {result.seconds:.2f} s")


@text_of.register
def _(result: RestoreView) -> str:
    lines = [f"restored {result.backup} into {result.store}: {result.events} events, "
             f"transparency log of {result.tree_size}, latest checkpoint of tree size "
             f"{result.checkpoint}"]
    for held in result.held:
        how = {"extended": "the restored log extends it",
               "lost": f"{held.lost} events after the backup are lost",
               "rewritten": "the restored log holds another root there"}[held.status]
        lines.append(f"  {held.source}, tree size {held.tree_size}: {how}")
    if not result.held:
        lines.append("  no checkpoint held outside the store to compare with (give --since "
                     "FILE: a buyer's proof, a monitor's checkpoint)")
    return "\n".join(lines)
