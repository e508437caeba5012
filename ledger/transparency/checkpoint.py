"""C2SP transparency log checkpoints (https://c2sp.org/tlog-checkpoint) as signed notes.

The note text is the origin line, the tree size in decimal, the base64 RFC 6962 root hash, then
optional non-empty extension lines, each line ending in a newline. Parsing is strict: only the one
canonical spelling of each field is accepted, so the parsed checkpoint re-serialises to exactly
the bytes that were signed.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.errors import CheckpointInvalid
from ledger.signing.c2sp import Verifier, decode_base64
from ledger.transparency.merkle import HASH_SIZE
from ledger.transparency.note import open_note, sign_note

MAX_UINT64 = 2**64 - 1
_DECIMAL = re.compile(r"0|[1-9][0-9]*")


def parse_uint64(text: str) -> int:
    """Parse ASCII decimal without sign or leading zeros, at most 2**64 - 1; else ValueError."""
    if not _DECIMAL.fullmatch(text) or int(text) > MAX_UINT64:
        raise ValueError(f"expected a decimal number without leading zeros, found {text!r}")
    return int(text)


@dataclass(frozen=True)
class Checkpoint:
    """A signed tree head: the log's ``origin``, its tree ``size`` and the ``root_hash`` at it."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "extensions", tuple(self.extensions))
        for line in (self.origin, *self.extensions):
            if not line or any(c < " " for c in line):
                raise CheckpointInvalid(
                    f"expected non-empty lines without control characters, found {line!r}"
                )
        if not 0 <= self.size <= MAX_UINT64:
            raise CheckpointInvalid(f"expected a tree size from 0 to 2**64 - 1, found {self.size}")
        if len(self.root_hash) != HASH_SIZE:
            raise CheckpointInvalid(
                f"expected a {HASH_SIZE}-byte root hash, found {len(self.root_hash)} bytes"
            )

    def to_json(self) -> dict[str, Any]:
        """Origin, tree size and base64 root hash, as JSON."""
        return {"origin": self.origin, "tree_size": self.size,
                "root_hash": base64.b64encode(self.root_hash).decode("ascii")}

    def body(self) -> str:
        """The note text that is signed: one line per field, each ending in a newline."""
        root_line = base64.b64encode(self.root_hash).decode("ascii")
        lines = (self.origin, str(self.size), root_line, *self.extensions)
        return "".join(f"{line}\n" for line in lines)


def parse_checkpoint_body(text: str) -> Checkpoint:
    """Parse a checkpoint note text strictly; raise CheckpointInvalid if malformed."""
    lines = text.split("\n")
    if len(lines) < 4 or lines.pop() != "":
        raise CheckpointInvalid(
            "expected origin, size and root hash lines, each ending in a newline"
        )
    origin, size_line, root_line, *extensions = lines
    try:
        size = parse_uint64(size_line)
        root_hash = decode_base64(root_line)
    except ValueError as error:
        raise CheckpointInvalid(f"malformed checkpoint: {error}") from None
    return Checkpoint(origin, size, root_hash, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, name: str, private_key: Ed25519PrivateKey) -> str:
    """The checkpoint as a signed note by the key ``name``."""
    return sign_note(checkpoint.body(), name, private_key)


def open_checkpoint(
    note: str | bytes, verifiers: Sequence[Verifier], origin: str | None = None
) -> Checkpoint:
    """Verify a signed checkpoint against trusted keys and parse it; raise CheckpointInvalid.

    With ``origin``, a checkpoint from any other log is refused too.
    """
    checkpoint = parse_checkpoint_body(open_note(note, verifiers))
    if origin is not None and checkpoint.origin != origin:
        raise CheckpointInvalid(f"expected origin {origin!r}, found {checkpoint.origin!r}")
    return checkpoint
