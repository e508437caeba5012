"""`ledger init`: create the store and the operator key when missing."""

from __future__ import annotations

import click

from ledger.cli.options import renders, with_settings
from ledger.settings import Settings
from ledger.signing.keys import DEFAULT_KEY_NAME
from ledger.usecases import setup
from ledger.views import InitView


@click.command()
@click.option("--origin", default=setup.DEFAULT_ORIGIN, show_default=True, help="The log's name.")
@click.option("--operator", default="operator", show_default=True, help="Operator handle.")
@click.option("--operator-name", default="Ledger operator", show_default=True)
@click.option("--key-name", default=DEFAULT_KEY_NAME, show_default=True,
              help="Signing key name.")
@renders()
@with_settings
def init(settings: Settings, origin: str, operator: str, operator_name: str,
         key_name: str) -> InitView:
    """Create the store and the operator key when missing."""
    return setup.initialise(settings, origin=origin, operator=operator,
                            operator_name=operator_name, key_name=key_name)
