"""C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys.

A signed note is a text ending in a newline, a blank line, then signature lines
``— <key name> base64(key id || signature)`` (em dash U+2014). Key ids and verifier keys are
:mod:`ledger.signing.c2sp`'s, those of the spec and of Go's golang.org/x/mod/sumdb/note, so
notes signed here open there and the reverse.

Opening a note fails closed: malformed text, more than :data:`MAX_SIGNATURES` signature lines,
a failing signature from a trusted key, or no verified signature from a trusted key all raise
CheckpointInvalid. Signatures from keys not in the trusted list are ignored, as the spec requires.
Every base64 field must be in its one canonical spelling, so no byte of a note can change
without the note being refused.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.errors import CheckpointInvalid, InvalidArgument
from ledger.signing.c2sp import Verifier, decode_base64, is_valid_name, key_id

MAX_SIGNATURES = 100
"""Signature lines accepted in one note (the spec asks for at least 16; Go's note allows 100)."""

_SIGNATURE_PREFIX = "\u2014 "  # em dash, space


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
    text, signatures = split_note(note)
    message, verified = text.encode(), 0
    for name, line_key_id, signature in signatures:
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


def split_note(note: str | bytes) -> tuple[str, list[tuple[str, bytes, bytes]]]:
    """The text of ``note`` and its signature lines as (key name, key id, signature), nothing
    verified; CheckpointInvalid if malformed or with more than :data:`MAX_SIGNATURES`."""
    note = _decode(note)
    split = note.rfind("\n\n")  # the text may hold blank lines; the last one ends it
    if split < 0 or not note.endswith("\n"):
        raise CheckpointInvalid("expected note text, a blank line and signature lines")
    text, signature_lines = note[: split + 1], note[split + 2 : -1].split("\n")
    if len(signature_lines) > MAX_SIGNATURES:
        raise CheckpointInvalid(
            f"expected at most {MAX_SIGNATURES} signatures, found {len(signature_lines)}"
        )
    return text, [_parse_signature_line(line) for line in signature_lines]


def add_signatures(note: str, lines: Sequence[str]) -> str:
    """``note`` with the signature ``lines`` (each ending in a newline) by keys it holds no
    signature of yet appended: the text and the signatures already there are unchanged. A key
    that signs again (a witness asked twice cosigns anew, with a new time) adds nothing."""
    held = {_parse_signature_line(line)[:2]
            for line in note[note.rfind("\n\n") + 2:].splitlines()}
    for line in (line.removesuffix("\n") + "\n" for line in lines):
        signer = _parse_signature_line(line[:-1])[:2]
        if signer not in held:
            note += line
            held.add(signer)
    split_note(note)  # still a note: at most MAX_SIGNATURES lines
    return note


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
