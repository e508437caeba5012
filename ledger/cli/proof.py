"""`ledger proof RETIREMENT`: the proof a buyer verifies offline with `ledger verify`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import click

from ledger.cli.options import renders, with_unit
from ledger.errors import InvalidArgument
from ledger.transparency.bundle import ProofBundle, bundle_json, to_tlog_proof
from ledger.usecases import checkpoints
from ledger.usecases.unit import UnitOfWork


@dataclass(frozen=True)
class Proof:
    """A proof bundle in the format asked for: our JSON bundle, or C2SP tlog-proof text."""

    bundle: ProofBundle
    form: str

    def __str__(self) -> str:
        return bundle_json(self.bundle).decode() if self.form == "json" \
            else to_tlog_proof(self.bundle)

    def to_json(self) -> Any:
        if self.form != "json":
            raise InvalidArgument(f"--json: expected --format json (the bundle is JSON), "
                                  f"found --format {self.form}")
        return self.bundle.model_dump(mode="json")


@click.command()
@click.argument("retirement")
@click.option("--format", "form", type=click.Choice(["json", "tlog-proof"]), default="json",
              show_default=True, help="Our JSON bundle, or the C2SP tlog-proof text.")
@renders(output=True)
@with_unit()
def proof(uow: UnitOfWork, retirement: str, form: str) -> Proof:
    """Write the proof of a retirement (by id or idempotency key) that a buyer verifies
    offline with `ledger verify FILE --key VKEY`."""
    bundle = checkpoints.prove_retirement(uow, retirement=retirement)
    return Proof(bundle, form)
