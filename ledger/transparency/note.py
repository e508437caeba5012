"""C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys.

A signed note is a text ending in a newline, a blank line, then signature lines
``— <key name> base64(key id || signature)`` (em dash U+2014). Key ids and verifier keys
(``name+hexid+base64(0x01 || public key)``) are those of the spec and of Go's
golang.org/x/mod/sumdb/note, so notes signed here open there and the reverse.

Opening a note fails closed: malformed text, more than :data:`MAX_SIGNATURES` signature lines,
a failing signature from a trusted key, or no verified signature from a trusted key all raise
CheckpointInvalid. Signatures from keys not in the trusted list are ignored, as the spec requires.
Every base64 field must be in its one canonical spelling, so no byte of a note can change
without the note being refused.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.errors import CheckpointInvalid, InvalidArgument

_ED25519 = 0x01
"""The signed-note signature type byte of Ed25519."""

MAX_SIGNATURES = 100
"""Signature lines accepted in one note (the spec asks for at least 16; Go's note allows 100)."""

_SIGNATURE_PREFIX = "\u2014 "  # em dash, space
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


def key_id(name: str, public_key: bytes) -> bytes:
    """The 4-byte C2SP key id: SHA-256(name || 0x0A || 0x01 || public key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([_ED25519]) + public_key).digest()[:4]


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
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


def parse_verifier_key(text: str) -> Verifier:
    """Parse ``name+hexkeyid+base64(0x01 || public key)``; raise CheckpointInvalid if malformed."""
    name, _, rest = text.partition("+")
    id_hex, _, key_text = rest.partition("+")
    if not _KEY_ID_HEX.fullmatch(id_hex):
        raise CheckpointInvalid(f"expected 8 lowercase hex digits of key id, found {id_hex!r}")
    try:
        key = decode_base64(key_text)
    except ValueError:
        raise CheckpointInvalid(f"expected a base64 verifier key, found {key_text!r}") from None
    if not key or key[0] != _ED25519:
        raise CheckpointInvalid(f"expected Ed25519 key type 0x01, found {key[:1].hex() or 'none'}")
    verifier = Verifier(name, key[1:])
    if verifier.key_id.hex() != id_hex:
        raise CheckpointInvalid(f"expected key id {verifier.key_id.hex()}, found {id_hex}")
    return verifier


def sign_note(text: str, name: str, private_key: Ed25519PrivateKey) -> str:
    """Sign ``text`` (ending in a newline) with the key ``name``; return the signed note."""
    if not text.endswith("\n") or _has_control_character(text):
        raise InvalidArgument("expected note text ending in a newline, without control characters")
    if not is_valid_name(name):
        raise InvalidArgument(f"expected a key name without spaces or '+', found {name!r}")
    public_key = private_key.public_key().public_bytes_raw()
    signature = key_id(name, public_key) + private_key.sign(text.encode())
    return f"{text}\n{_SIGNATURE_PREFIX}{name} {base64.b64encode(signature).decode('ascii')}\n"


def open_note(note: str | bytes, verifiers: Sequence[Verifier]) -> str:
    """Return the text of ``note`` once a trusted key's signature on it verifies.

    Raises CheckpointInvalid for a malformed note, a failing signature from a trusted key, or
    no verified signature from a trusted key (an empty ``verifiers`` trusts nothing).
    """
    note = _decode(note)
    split = note.rfind("\n\n")  # the text may hold blank lines; the last one ends it
    if split < 0 or not note.endswith("\n"):
        raise CheckpointInvalid("expected note text, a blank line and signature lines")
    text, signature_lines = note[: split + 1], note[split + 2 : -1].split("\n")
    if len(signature_lines) > MAX_SIGNATURES:
        raise CheckpointInvalid(
            f"expected at most {MAX_SIGNATURES} signatures, found {len(signature_lines)}"
        )
    message, verified = text.encode(), 0
    for line in signature_lines:
        name, line_key_id, signature = _parse_signature_line(line)
        for verifier in verifiers:
            if (verifier.name, verifier.key_id) != (name, line_key_id):
                continue  # unknown keys are ignored, even when they share a name or an id
            if not verifier.verify(message, signature):
                raise CheckpointInvalid(
                    f"signature by trusted key {name}+{line_key_id.hex()} fails"
                )
            verified += 1
    if not verified:
        trusted = ", ".join(f"{v.name}+{v.key_id.hex()}" for v in verifiers) or "none"
        raise CheckpointInvalid(f"expected a signature by a trusted key ({trusted}), found none")
    return text


def _has_control_character(text: str) -> bool:
    return any(c < " " and c != "\n" for c in text)


def _decode(note: str | bytes) -> str:
    try:
        text = note.decode() if isinstance(note, bytes) else note
        text.encode()  # a str may hold lone surrogates, which are not UTF-8
    except UnicodeError:
        raise CheckpointInvalid("expected a note in valid UTF-8") from None
    if _has_control_character(text):
        raise CheckpointInvalid("expected a note without control characters other than newline")
    return text


def _parse_signature_line(line: str) -> tuple[str, bytes, bytes]:
    name, _, encoded = line.removeprefix(_SIGNATURE_PREFIX).partition(" ")
    try:
        signature = decode_base64(encoded)
    except ValueError:
        signature = b""
    # Four bytes of key id and at least one of signature, as in Go's note.Open.
    if not line.startswith(_SIGNATURE_PREFIX) or not is_valid_name(name) or len(signature) < 5:
        raise CheckpointInvalid(f"expected '\u2014 <key name> <base64 signature>', found {line!r}")
    return name, signature[:4], signature[4:]
