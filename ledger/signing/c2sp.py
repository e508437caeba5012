"""C2SP key names, key ids and verifier keys (https://c2sp.org/signed-note), Ed25519 only.

A verifier key is the text ``name+hexkeyid+base64(0x01 || public key)``; the key id is the first
four bytes of SHA-256(name || 0x0A || 0x01 || public key). They are those of the spec and of
Go's golang.org/x/mod/sumdb/note, so keys named here are understood there and the reverse.
Every base64 field has one canonical spelling (RFC 4648 §3.5), and nothing else is accepted.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field

from ledger.errors import CheckpointInvalid, InvalidArgument
from ledger.signing.ed25519 import verifies

_ED25519 = 0x01
"""The signed-note signature type byte of Ed25519."""

_KEY_ID_HEX = re.compile(r"[0-9a-f]{8}")


def decode_base64(text: str) -> bytes:
    """Decode RFC 4648 §4 base64 in its canonical spelling only; raise ValueError otherwise."""
    try:
        data = base64.b64decode(text, validate=True)
    except ValueError:  # binascii.Error, or non-ASCII text
        raise ValueError(f"expected base64, found {text!r}") from None
    if base64.b64encode(data).decode("ascii") != text:
        raise ValueError(f"expected canonical base64, found {text!r}")
    return data


def is_valid_name(name: str) -> bool:
    """Key names are non-empty, without Unicode spaces, plus signs or control characters."""
    return bool(name) and not any(c.isspace() or c == "+" or c < " " for c in name)


def key_id(name: str, public_key: bytes, kind: int = _ED25519) -> bytes:
    """The 4-byte C2SP key id: SHA-256(name || 0x0A || kind || public key)[:4] (kind 0x01 for
    a note signer's Ed25519 key, 0x04 for a witness's cosignature/v1 key)."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([kind]) + public_key).digest()[:4]


def split_vkey(text: str, what: str) -> tuple[str, str, bytes]:
    """The name, hex key id and key bytes (type byte first) of a vkey
    ``name+hexkeyid+base64(type || key)``; CheckpointInvalid when the id or the base64 is
    malformed. The caller checks the type and derives the key id."""
    name, _, rest = text.partition("+")
    id_hex, _, key_text = rest.partition("+")
    if not _KEY_ID_HEX.fullmatch(id_hex):
        raise CheckpointInvalid(f"expected 8 lowercase hex digits of key id, found {id_hex!r}")
    try:
        return name, id_hex, decode_base64(key_text)
    except ValueError:
        raise CheckpointInvalid(f"expected a base64 {what} key, found {key_text!r}") from None


def verifier_key(name: str, public_key: bytes) -> str:
    """The C2SP verifier key text ``name+hexkeyid+base64(0x01 || public key)``."""
    if not is_valid_name(name) or len(public_key) != 32:
        raise InvalidArgument(
            f"expected a key name without spaces or '+' and a 32-byte key, found {name!r} "
            f"and {len(public_key)} bytes"
        )
    encoded = base64.b64encode(bytes([_ED25519]) + public_key).decode("ascii")
    return f"{name}+{key_id(name, public_key).hex()}+{encoded}"


@dataclass(frozen=True)
class Verifier:
    """A trusted Ed25519 note key: its name, its derived key id and its raw 32-byte public key."""

    name: str
    public_key: bytes
    key_id: bytes = field(init=False)

    def __post_init__(self) -> None:
        if not is_valid_name(self.name):
            raise CheckpointInvalid(
                f"expected a key name without spaces or '+', found {self.name!r}"
            )
        if len(self.public_key) != 32:
            raise CheckpointInvalid(
                f"expected a 32-byte Ed25519 public key, found {len(self.public_key)} bytes"
            )
        object.__setattr__(self, "key_id", key_id(self.name, self.public_key))

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is this key's Ed25519 signature of ``message``."""
        return verifies(self.public_key, signature, message)


def parse_verifier_key(text: str) -> Verifier:
    """Parse ``name+hexkeyid+base64(0x01 || public key)``; raise CheckpointInvalid if malformed."""
    name, id_hex, key = split_vkey(text, "verifier")
    if not key or key[0] != _ED25519:
        raise CheckpointInvalid(f"expected Ed25519 key type 0x01, found {key[:1].hex() or 'none'}")
    verifier = Verifier(name, key[1:])
    if verifier.key_id.hex() != id_hex:
        raise CheckpointInvalid(f"expected key id {verifier.key_id.hex()}, found {id_hex}")
    return verifier
