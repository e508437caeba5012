"""`ledger publish DIR`: the public log as static files for any web server or CDN."""

from __future__ import annotations

from pathlib import Path

import click

from ledger.cli.options import renders, with_unit
from ledger.usecases import tiles
from ledger.usecases.unit import UnitOfWork
from ledger.views import PublishView
from ledger.web.verify_page import verify_page


@click.command()
@click.argument("directory", metavar="DIR")
@renders()
@with_unit(sign=False)
def publish(uow: UnitOfWork, directory: str) -> PublishView:
    """Write the public log as static files under DIR, for any web server or CDN.

    The latest signed checkpoint, every tile and entry bundle of its tree (C2SP tlog-tiles),
    and verify.html, the buyer's verifier page with the operator's current key filled in.
    """
    page = verify_page(uow.keyring.current().verifier_key)
    return tiles.publish(uow, directory=Path(directory), pages={"verify.html": page.html})
