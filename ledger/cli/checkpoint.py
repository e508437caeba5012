"""`ledger checkpoint` and `ledger checkpoints`: sign the log's head (and have witnesses
cosign it), list what was signed."""

from __future__ import annotations

import click

from ledger.cli.http import poster
from ledger.cli.options import renders, with_unit
from ledger.cli.verify import witness_keys
from ledger.errors import InvalidArgument
from ledger.usecases import checkpoints as signed
from ledger.usecases.unit import UnitOfWork
from ledger.views import CheckpointsView, CheckpointView


@click.command()
@click.option("--witness", "urls", multiple=True, metavar="URL",
              help="A C2SP tlog-witness to cosign the checkpoint (its add-checkpoint is "
                   "URL/add-checkpoint); repeatable.")
@click.option("--witness-key", "vkeys", multiple=True, metavar="VKEY",
              help="A witness's verifier key (name+hexid+base64, type 0x04), or a file "
                   "holding one; repeatable. Only their cosignatures are kept.")
@renders()
@with_unit()
def checkpoint(uow: UnitOfWork, urls: tuple[str, ...], vkeys: tuple[str, ...]
               ) -> CheckpointView:
    """Sign the current tree head as a C2SP tlog-checkpoint (after proving it consistent with
    the last one signed) and print the signed note.

    With --witness, each witness is sent the checkpoint and a consistency proof from the size
    it last cosigned (C2SP tlog-witness), and its cosignature is added to the stored note: the
    note that `/checkpoint`, `ledger publish` and every later proof carry. Re-running asks
    only for what is missing. A witness that has seen a larger or other tree is
    `log_rolled_back` (exit 5).
    """
    if bool(urls) != bool(vkeys):
        raise InvalidArgument("expected --witness URL and --witness-key VKEY together, found "
                              f"{len(urls)} witness URLs and {len(vkeys)} witness keys")
    if not urls:
        return signed.sign_head(uow)
    return signed.witness_head(uow, witnesses=[(url, poster(url)) for url in urls],
                               trusted=witness_keys(vkeys, "--witness-key"))


@click.command()
@renders()
@with_unit(sign=False)
def checkpoints(uow: UnitOfWork) -> CheckpointsView:
    """List the signed checkpoints, oldest first."""
    return signed.list_checkpoints(uow)
