"""C2SP transparency log proofs (https://c2sp.org/tlog-proof), version ``c2sp.org/tlog-proof@v1``.

Follows the spec text at C2SP/C2SP commit 0065ea5b716154a2dd48508e3f905012a16ce5e9, which
matches Go's transparency-dev/merkle ``proof.NewTLogProof`` / ``VerifyTLogProof``::

    c2sp.org/tlog-proof@v1
    extra <base64 opaque data>      (optional, second line only)
    index <decimal, no leading zeros>
    <base64 SHA-256 inclusion proof hash, leaf's sibling first>   (zero or more lines)
    <empty line>
    <the signed checkpoint, verbatim>

The extra data is not authenticated: nothing here trusts it, and callers must not either.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass

from ledger.errors import ProofInvalid
from ledger.signing.c2sp import Verifier, decode_base64
from ledger.transparency.checkpoint import Checkpoint, open_checkpoint, parse_uint64
from ledger.transparency.merkle import HASH_SIZE, verify_inclusion

HEADER = "c2sp.org/tlog-proof@v1"


@dataclass(frozen=True)
class TlogProof:
    """A parsed proof: leaf ``index``, inclusion ``hashes``, the signed ``checkpoint`` note text
    exactly as it appeared, and the optional unauthenticated ``extra`` data."""

    index: int
    hashes: tuple[bytes, ...]
    checkpoint: str
    extra: bytes | None = None


def format_tlog_proof(
    index: int, proof_hashes: Sequence[bytes], signed_checkpoint: str, extra: bytes | None = None
) -> str:
    """The tlog-proof text for the leaf at ``index`` under ``signed_checkpoint``."""
    lines = [HEADER]
    if extra is not None:
        lines.append(f"extra {_b64(extra)}")
    lines.append(f"index {index}")
    lines.extend(_b64(hash_) for hash_ in proof_hashes)
    text = "\n".join(lines) + "\n\n" + signed_checkpoint
    parse_tlog_proof(text)  # never hand out a proof this module would refuse
    return text


def parse_tlog_proof(text: str) -> TlogProof:
    """Parse a tlog-proof strictly (the checkpoint is only split off); raise ProofInvalid."""
    head, separator, checkpoint = text.partition("\n\n")
    if not separator or not checkpoint:
        raise ProofInvalid("expected proof lines, an empty line, then the signed checkpoint")
    header, *lines = head.split("\n")
    if header != HEADER:
        raise ProofInvalid(f"expected the header {HEADER!r}, found {header!r}")
    extra = None
    if lines and lines[0].startswith("extra "):
        extra = _decode(lines.pop(0).removeprefix("extra "), "extra data")
    if not lines or not lines[0].startswith("index "):
        raise ProofInvalid(f"expected an 'index N' line, found {lines[0] if lines else None!r}")
    try:
        index = parse_uint64(lines.pop(0).removeprefix("index "))
    except ValueError as error:
        raise ProofInvalid(f"malformed index: {error}") from None
    hashes = tuple(_decode(line, "inclusion proof hash") for line in lines)
    for hash_ in hashes:
        if len(hash_) != HASH_SIZE:
            raise ProofInvalid(f"expected {HASH_SIZE}-byte proof hashes, found {len(hash_)} bytes")
    return TlogProof(index, hashes, checkpoint, extra)


def verify_tlog_proof(
    proof: TlogProof, leaf_hash: bytes, verifiers: Sequence[Verifier], origin: str
) -> Checkpoint:
    """Check that ``leaf_hash`` is at ``proof.index`` in the log ``origin``, under a checkpoint
    signed by a trusted key; return that checkpoint.

    Raises CheckpointInvalid for the checkpoint and ProofInvalid for the inclusion proof.
    """
    checkpoint = open_checkpoint(proof.checkpoint, verifiers, origin)
    verify_inclusion(leaf_hash, proof.index, checkpoint.size, proof.hashes, checkpoint.root_hash)
    return checkpoint


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _decode(text: str, what: str) -> bytes:
    try:
        return decode_base64(text)
    except ValueError as error:
        raise ProofInvalid(f"malformed {what}: {error}") from None
