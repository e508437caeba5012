"""`ledger consistency OLD_SIZE NEW_SIZE`: the proof that the log only grew between two
signed checkpoints."""

from __future__ import annotations

import click

from ledger.cli.options import Whole, renders, with_unit
from ledger.usecases import checkpoints
from ledger.usecases.unit import UnitOfWork
from ledger.views import ConsistencyView


@click.command()
@click.argument("old_size", type=Whole())
@click.argument("new_size", type=Whole())
@renders(output=True)
@with_unit(sign=False)
def consistency(uow: UnitOfWork, old_size: int, new_size: int) -> ConsistencyView:
    """Print the RFC 9162 consistency proof between two signed checkpoints (base64 hashes,
    one a line), for `ledger verify-consistency OLD NEW PROOF`."""
    return checkpoints.prove_consistency(uow, old_size=old_size, new_size=new_size)
