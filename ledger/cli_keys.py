"""`ledger keys`: create, show, rotate and export the operator's signing keys."""

from __future__ import annotations

import json
from pathlib import Path

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.cli import common
from ledger.context import Settings, open_ledger
from ledger.errors import KeyExists
from ledger.eventstore import utcnow
from ledger.render import reporter
from ledger.signing.c2sp import is_valid_name
from ledger.signing.keys import DEFAULT_KEY_NAME, Signer


@click.group()
def keys() -> None:
    """The operator's Ed25519 signing keys (private key 0600; never printed)."""


@keys.command("init")
@common
@click.option("--name", default=DEFAULT_KEY_NAME, show_default=True, help="Key name (C2SP).")
def keys_init(db: str | None, key_dir: str | None, as_json: bool, name: str) -> None:
    """Create the operator key in the key directory."""
    check_name(name)
    directory = Settings(db, key_dir).keys
    signer = directory.create(name, utcnow())
    show_key(as_json, directory.path, signer.public.verifier_key, signer.key_id)


@keys.command("show")
@common
def keys_show(db: str | None, key_dir: str | None, as_json: bool) -> None:
    """Print the current public key as a C2SP signed-note verifier key."""
    directory = Settings(db, key_dir).keys
    signer = directory.keyring().require_signer()
    show_key(as_json, directory.path, signer.public.verifier_key, signer.key_id)


@keys.command("rotate")
@common
@click.option("--name", help="Name of the new key (default: the current key's name).")
def keys_rotate(db: str | None, key_dir: str | None, as_json: bool, name: str | None) -> None:
    """Make a new key; record the switch, signed by the old key; sign with the new one."""
    settings = Settings(db, key_dir)
    with open_ledger(settings) as ledger:
        old = ledger.keyring.require_signer()
        new = Signer(name or old.name, Ed25519PrivateKey.generate())
        check_name(new.name)
        if new.key_id in ledger.keyring.trusted:
            raise KeyExists(f"key {new.key_id}: expected a new key, found it already trusted")
        switch_at = ledger.rotate_key(new)
    settings.keys.install_rotation(new, switch_at)
    result = {"old_key_id": old.key_id, "new_key_id": new.key_id,
              "verifier_key": new.public.verifier_key, "switch_at": switch_at.isoformat()}
    if as_json:
        reporter(True).show(result)
    else:
        print(f"rotated {old.key_id} -> {new.key_id} at {result['switch_at']}\n"
              f"verifier key: {result['verifier_key']}")


@keys.command("trust")
@common
@click.option("--export", "export", required=True, metavar="FILE",
              help="Write every public key with its validity window to FILE.")
def keys_trust(db: str | None, key_dir: str | None, as_json: bool, export: str) -> None:
    """Export the trust list verifiers can be given instead of a single key."""
    directory = Settings(db, key_dir).keys
    keyring = directory.keyring(with_signer=False)
    body = {"keys": [k.to_dict() for k in keyring.trusted.values()]}
    Path(export).write_text(json.dumps(body, indent=2) + "\n")
    if as_json:
        reporter(True).show({"file": export, "keys": len(body["keys"])})
    else:
        print(f"wrote {len(body['keys'])} trusted keys to {export}")


def show_key(as_json: bool, where: Path, verifier: str, key_id: str) -> None:
    if as_json:
        reporter(True).show({"verifier_key": verifier, "key_id": key_id, "key_dir": str(where)})
    else:
        print(verifier)


def check_name(name: str) -> None:
    if not is_valid_name(name):
        raise click.BadParameter(f"expected a key name without spaces or '+', found {name!r}",
                                 param_hint="--name")


def register(cli: click.Group) -> None:
    cli.add_command(keys)
