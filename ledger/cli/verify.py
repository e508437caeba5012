"""`ledger verify` and `ledger verify-consistency`: offline checks a buyer or auditor runs.

Neither opens a database. Both take the operator's public key as ``--key`` (a C2SP verifier key
``name+hexid+base64``, or a file holding one) or a trust list as ``--trust`` (from
``ledger keys trust --export``), and exit 0 when every check passes or 5 naming the first that
failed. The key arguments are the user's own input: a malformed one is a usage error (2), a
missing file is not found (3); anything wrong with the proof itself is a failed verification (5).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from ledger.cli.options import Whole, renders
from ledger.cli.text import credits, shown, text_of
from ledger.errors import CheckpointInvalid, InvalidArgument, NotConfirmed, ProofMalformed
from ledger.parsing import read_file
from ledger.signing.keys import TrustedKey, read_trust
from ledger.transparency.bundle import MAX_FILE_BYTES
from ledger.transparency.cosignature import Witness, parse_witness_key
from ledger.transparency.verify import (
    VerifiedConsistency,
    VerifiedRetirement,
    parse_consistency_proof,
    verify_bundle,
    verify_consistency_files,
)

F = TypeVar("F", bound=Callable[..., Any])
# A checkpoint, a key or a consistency proof (at most 64 hashes) is a few KiB at most.
MAX_NOTE_BYTES = 64 * 1024


def trust_options(command: F) -> F:
    """--key and --trust."""
    command = click.option(
        "--trust", metavar="FILE", help="Trust list from `ledger keys trust --export`."
    )(command)
    return click.option(
        "--key", metavar="VKEY",
        help="The operator's verifier key (name+hexid+base64), or a file holding it.",
    )(command)


def witness_options(command: F) -> F:
    """--witness VKEY (repeatable) and --min-witnesses N."""
    command = click.option(
        "--min-witnesses", type=Whole(), metavar="N",
        help="How many of the --witness keys must have cosigned [default: all].")(command)
    return click.option(
        "--witness", "vkeys", multiple=True, metavar="VKEY",
        help="A witness's verifier key (name+hexid+base64, type 0x04), or a file holding "
             "one; repeatable: its cosignature on the checkpoint is required.")(command)


def required_witnesses(vkeys: Sequence[str], min_witnesses: int | None
                       ) -> tuple[list[Witness], int]:
    """The witnesses named and how many of them must have cosigned (default: all)."""
    witnesses = witness_keys(vkeys)
    if min_witnesses is not None and not 1 <= min_witnesses <= len(witnesses):
        raise InvalidArgument(f"--min-witnesses: expected 1 to {len(witnesses)} (the --witness "
                              f"keys given), found {min_witnesses}")
    return witnesses, len(witnesses) if min_witnesses is None else min_witnesses


@click.command()
@click.argument("file", metavar="FILE")
@trust_options
@witness_options
@click.option("--origin", metavar="NAME",
              help="The log the proof must come from (its checkpoint's first line).")
@click.option("--require-confirmed", is_flag=True,
              help="Fail (not_confirmed) unless the proof carries the registry's signed "
                   "confirmation of the retirement.")
@renders()
def verify(file: str, key: str | None, trust: str | None, vkeys: tuple[str, ...],
           min_witnesses: int | None, origin: str | None,
           require_confirmed: bool) -> VerifiedRetirement:
    """Check a retirement proof file offline, with no database.

    Checks, in order: the file parses, the checkpoint's signature, the tree size, the event's
    inclusion in the log, the event's signature (key valid at the event's time), that the
    event is a retirement, and that the summary is what was signed (a confirmation, when the
    proof carries one, is checked at the same steps: inclusion, signature, that it confirms
    this retirement, its registry reference); then, with --witness, that enough witnesses
    cosigned the checkpoint (C2SP tlog-cosignature). Exit 0 with a one-line confirmation, or 5
    naming the first check that failed.
    """
    trusted = trusted_keys(key, trust)
    witnesses, minimum = required_witnesses(vkeys, min_witnesses)
    verified = verify_bundle(read_file(file, MAX_FILE_BYTES, ProofMalformed), trusted,
                             witnesses, minimum, origin)
    if require_confirmed and not verified.confirmed:
        raise NotConfirmed("expected a proof carrying the registry's confirmation of the "
                           "retirement, found none (pending, or proved before it was confirmed)")
    return verified


@click.command("verify-consistency")
@click.argument("old_checkpoint", metavar="OLD_CHECKPOINT")
@click.argument("new_checkpoint", metavar="NEW_CHECKPOINT")
@click.argument("proof", metavar="PROOF")
@trust_options
@renders()
def verify_consistency(old_checkpoint: str, new_checkpoint: str, proof: str, key: str | None,
                       trust: str | None) -> VerifiedConsistency:
    """Check offline that the log of NEW_CHECKPOINT only grew from OLD_CHECKPOINT.

    Both are signed checkpoint files; PROOF is the RFC 9162 consistency proof, one base64 hash
    per line, as `ledger consistency` prints it.
    """
    trusted = trusted_keys(key, trust)
    return verify_consistency_files(
        read_file(old_checkpoint, MAX_NOTE_BYTES, ProofMalformed),
        read_file(new_checkpoint, MAX_NOTE_BYTES, ProofMalformed),
        parse_consistency_proof(read_file(proof, MAX_NOTE_BYTES, ProofMalformed)), trusted,
    )


def trusted_keys(key: str | None, trust: str | None) -> list[TrustedKey]:
    """The keys from exactly one of --key or --trust."""
    if trust is not None and key is None:
        return read_trust(Path(trust))[1]
    if key is None or trust is not None:
        raise InvalidArgument("expected exactly one of --key VKEY or --trust FILE")
    text = key_text(key)
    try:
        return [TrustedKey.from_dict({"verifier_key": text})]
    except CheckpointInvalid as error:
        raise InvalidArgument(
            f"--key: expected a verifier key name+hexid+base64 or a file holding one, "
            f"found {text[:100]!r} ({error.message})"
        ) from None


def key_text(value: str) -> str:
    """A key as given on the command line: the key itself, or a file holding it."""
    if not os.path.isfile(value):
        return value
    return read_file(value, MAX_NOTE_BYTES, InvalidArgument).decode(errors="replace").strip()


def witness_keys(values: Sequence[str], option: str = "--witness") -> list[Witness]:
    """Witness verifier keys, each given as the key or a file holding it; usage error if one
    is malformed, and each witness named once."""
    witnesses: list[Witness] = []
    for value in values:
        text = key_text(value)
        try:
            witness = parse_witness_key(text)
        except CheckpointInvalid as error:
            raise InvalidArgument(
                f"{option}: expected a witness verifier key name+hexid+base64 or a file "
                f"holding one, found {text[:100]!r} ({error.message})") from None
        if witness in witnesses:
            raise InvalidArgument(f"expected each witness key once, found {text!r} twice")
        witnesses.append(witness)
    return witnesses


@text_of.register
def _(result: VerifiedRetirement) -> str:
    """One line: who retired how much of what, for whom, in which checkpoint."""
    s, checkpoint = result.summary, result.checkpoint
    serials = ", ".join(f"{b.first}..{b.last}" for b in s.blocks)
    on_behalf = f" on behalf of {shown(s.buyer)}" if s.buyer != s.holder else ""
    labels = f", labels {shown(', '.join(s.labels) or 'none')}" if s.labels is not None else ""
    return (
        f"verified: {shown(s.holder)} retired {credits(s.quantity, s.unit or 't')} of "
        f"{shown(s.batch)} "
        f"({shown(s.source)}, vintage {s.vintage}, serials {serials}){on_behalf} for "
        f"{s.revealed_beneficiary if s.revealed_beneficiary is not None else s.beneficiary!r}"
        f", claim period {shown(s.claim_period)}{labels}, at "
        f"{shown(s.retired_at)}, "
        + (f"confirmed by the registry as {shown(s.registry_ref or '')} "
           if result.confirmed else "not confirmed by the registry in this proof ")
        + f"(retirement {shown(s.retirement_id)}); leaf {result.leaf_index} of checkpoint "
        f"{shown(checkpoint.origin)} at tree size {checkpoint.size}, event key "
        f"{result.event_key_id}" + "".join(
            f"; cosigned by {shown(c.witness)} at {c.time.isoformat()}"
            for c in result.cosignatures)
    )


@text_of.register
def _(result: VerifiedConsistency) -> str:
    return (f"consistent: {shown(result.old.origin)} grew from tree size {result.old.size} to "
            f"{result.new.size} without changing a leaf")
