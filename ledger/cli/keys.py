"""`ledger keys`: create, show, rotate and export the operator's signing keys."""

from __future__ import annotations

from pathlib import Path

import click

from ledger.cli.options import renders, with_settings, with_unit
from ledger.settings import Settings
from ledger.signing.keys import DEFAULT_KEY_NAME
from ledger.usecases import setup
from ledger.usecases.unit import UnitOfWork
from ledger.views import KeyView, RotationView, TrustExportView


@click.group()
def keys() -> None:
    """The operator's Ed25519 signing keys (private key 0600; never printed)."""


@keys.command("init")
@click.option("--name", default=DEFAULT_KEY_NAME, show_default=True, help="Key name (C2SP).")
@renders()
@with_settings
def keys_init(settings: Settings, name: str) -> KeyView:
    """Create the operator key in the key directory."""
    return setup.create_key(settings.keys, name=name)


@keys.command("show")
@renders()
@with_settings
def keys_show(settings: Settings) -> KeyView:
    """Print the current public key as a C2SP signed-note verifier key."""
    return setup.show_key(settings.keys)


@keys.command("rotate")
@click.option("--name", help="Name of the new key (default: the current key's name).")
@renders()
@with_unit()
def keys_rotate(uow: UnitOfWork, name: str | None) -> RotationView:
    """Make a new key; record the switch, signed by the old key; sign with the new one.

    Writers may keep running: a save that finds the key rotated under it, inside its own
    transaction, takes the new key and is decided again, so no event is signed by a key
    outside its window."""
    return setup.rotate_key(uow, name=name)


@keys.command("trust")
@click.option("--export", "export", required=True, metavar="FILE",
              help="Write every public key with its validity window to FILE.")
@renders()
@with_settings
def keys_trust(settings: Settings, export: str) -> TrustExportView:
    """Export the trust list verifiers can be given instead of a single key."""
    return setup.export_trust(settings.keys, path=Path(export))
