"""`ledger mint FILE`: mint a batch from an issuance document."""

from __future__ import annotations

import click

from ledger.cli.options import renders, with_unit
from ledger.documents import MAX_DOCUMENT_BYTES, parse_issuance
from ledger.parsing import read_file
from ledger.usecases import minting
from ledger.usecases.unit import UnitOfWork
from ledger.views import MintView


@click.command()
@click.argument("file", metavar="FILE")
@renders()
@with_unit()
def mint(uow: UnitOfWork, file: str) -> MintView:
    """Mint a batch from an issuance document (JSON) into the operator's inventory."""
    document = parse_issuance(read_file(file, MAX_DOCUMENT_BYTES), file)
    return minting.mint(uow, document=document)
