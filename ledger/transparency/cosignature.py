"""Witness cosignatures on checkpoints (https://c2sp.org/tlog-cosignature, Ed25519, v1).

A cosignature is a signed-note signature line by a witness: ``— <witness name>
base64(key id || u64 timestamp || Ed25519 signature)``, the key id being
SHA-256(name || 0x0A || 0x04 || public key)[:4] and the signed message ``cosignature/v1\\n``,
``time <timestamp>\\n`` and then the whole checkpoint body. It states that, at that time, this
was the largest tree of the log the witness had seen, consistent with every earlier one.

A witness's verifier key is the vkey ``name+hexkeyid+base64(0x04 || public key)``. Lines of
unknown keys are ignored, as the spec requires; a line of a known key that does not verify
fails closed.
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.errors import CheckpointInvalid, CosignatureMissing
from ledger.signing.c2sp import is_valid_name, key_id, split_vkey
from ledger.signing.ed25519 import verifies
from ledger.transparency.note import split_note

COSIGNATURE_V1 = 0x04
"""The signed-note signature type byte of an Ed25519 v1 cosignature."""
MAX_TIMESTAMP = 2**63 - 1


def witness_key_id(name: str, public_key: bytes) -> bytes:
    """SHA-256(name || 0x0A || 0x04 || public key)[:4]."""
    return key_id(name, public_key, COSIGNATURE_V1)


def witness_vkey(name: str, public_key: bytes) -> str:
    """The witness's verifier key text ``name+hexkeyid+base64(0x04 || public key)``."""
    encoded = base64.b64encode(bytes([COSIGNATURE_V1]) + public_key).decode("ascii")
    return f"{name}+{witness_key_id(name, public_key).hex()}+{encoded}"


def signed_message(body: str, timestamp: int) -> bytes:
    """What a v1 cosignature signs: the header line, the time line, the checkpoint body."""
    return f"cosignature/v1\ntime {timestamp}\n{body}".encode()


@dataclass(frozen=True)
class Witness:
    """A witness trusted to cosign: its name, its raw 32-byte Ed25519 public key, its key id."""

    name: str
    public_key: bytes
    key_id: bytes = field(init=False)

    def __post_init__(self) -> None:
        if not is_valid_name(self.name) or len(self.public_key) != 32:
            raise CheckpointInvalid(
                f"expected a witness name without spaces or '+' and a 32-byte key, found "
                f"{self.name!r} and {len(self.public_key)} bytes")
        object.__setattr__(self, "key_id", witness_key_id(self.name, self.public_key))

    @property
    def vkey(self) -> str:
        """The witness's verifier key text."""
        return witness_vkey(self.name, self.public_key)


def parse_witness_key(text: str) -> Witness:
    """Parse a witness vkey ``name+hexkeyid+base64(0x04 || key)``; CheckpointInvalid if not."""
    name, id_hex, key = split_vkey(text.strip(), "witness")
    if not key or key[0] != COSIGNATURE_V1:
        raise CheckpointInvalid("expected a cosignature/v1 witness key (type 0x04), found "
                                f"type {key[:1].hex() or 'none'}")
    witness = Witness(name, key[1:])
    if witness.key_id.hex() != id_hex:
        raise CheckpointInvalid(f"expected key id {witness.key_id.hex()}, found {id_hex}")
    return witness


def cosign(body: str, name: str, private_key: Ed25519PrivateKey, timestamp: int) -> str:
    """A v1 cosignature line of the checkpoint ``body`` (for witnesses and their tests)."""
    public_key = private_key.public_key().public_bytes_raw()
    signature = private_key.sign(signed_message(body, timestamp))
    blob = witness_key_id(name, public_key) + struct.pack(">Q", timestamp) + signature
    return f"\u2014 {name} {base64.b64encode(blob).decode('ascii')}\n"


@dataclass(frozen=True)
class Cosignature:
    """A verified cosignature: which witness, and when it cosigned."""

    witness: str
    key_id: str
    time: datetime

    def to_json(self) -> dict[str, Any]:
        """Witness name, key id and time, as JSON."""
        return {"witness": self.witness, "key_id": self.key_id,
                "time": self.time.isoformat()}


def cosignatures(note: str | bytes, witnesses: Sequence[Witness]) -> list[Cosignature]:
    """The verified cosignatures of ``note`` by ``witnesses``, one per witness.

    The caller has verified the operator's signature (this checks only cosignatures). A line
    of a trusted witness that does not verify, or that is dated in a future beyond 2**63 - 1,
    raises CheckpointInvalid; lines of other keys are ignored.
    """
    body, lines = split_note(note)
    found: dict[str, Cosignature] = {}
    for name, line_key_id, blob in lines:
        for witness in witnesses:
            if (witness.name, witness.key_id) != (name, line_key_id):
                continue
            if len(blob) != 8 + 64:
                raise CheckpointInvalid(f"cosignature by witness {name}: expected 72 bytes of "
                                        f"time and signature, found {len(blob)}")
            (timestamp,) = struct.unpack(">Q", blob[:8])
            if timestamp > MAX_TIMESTAMP or not verifies(
                    witness.public_key, blob[8:], signed_message(body, timestamp)):
                raise CheckpointInvalid(f"cosignature by witness {name}+{line_key_id.hex()} "
                                        "fails")
            found.setdefault(witness.vkey, Cosignature(
                name, line_key_id.hex(), datetime.fromtimestamp(timestamp, UTC)))
    return list(found.values())


def require_cosignatures(note: str | bytes, witnesses: Sequence[Witness],
                         minimum: int) -> list[Cosignature]:
    """The cosignatures of ``note`` by ``witnesses``; CosignatureMissing below ``minimum``."""
    found = cosignatures(note, witnesses)
    if len(found) < minimum:
        have = ", ".join(c.witness for c in found) or "none"
        raise CosignatureMissing(
            f"expected cosignatures by at least {minimum} of {len(witnesses)} trusted "
            f"witnesses, found {len(found)} ({have})")
    return found
