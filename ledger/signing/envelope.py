"""The signed envelope of one stored event.

Stored ``state`` bytes are ``payload || 0x0A || base64(signature)`` where ``payload`` is the
RFC 8785 canonical JSON of::

    {"event": {...the event's fields...}, "format": "carbon-ledger/event/v1",
     "key": "<8 hex digits: C2SP key id>", "originator_id": "<uuid>",
     "prev": "<hex SHA-256 of the previous event's payload, or 64 zeros>",
     "topic": "<module:Class.Event>", "version": <int>}

and ``signature`` is Ed25519 over ``payload``. Canonical JSON escapes every control character,
so the payload never contains a newline and the split at the last one is unambiguous.
The payload is kept verbatim: verifiers check the bytes they were given, never a re-encoding.

Canonical form: RFC 8785 (JCS) for the ledger's value domain — strings, integers of at most
2^53 - 1 in magnitude, booleans, null, lists and objects; never floats. For that domain JCS
equals compact JSON with keys sorted and UTF-8 left unescaped, as long as no object key holds
a character at or above U+E000 (where code-point order and JCS's UTF-16 order could differ).
Our keys are field names and validated handles, so they never do. Events carry no floats, and
every integer is bounded where it enters (quantities, serials); a property test checks the
encoder against the ``rfc8785`` reference package.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from ledger.serials import BlockSet

FORMAT = "carbon-ledger/event/v1"
GENESIS = "0" * 64


@dataclass(frozen=True)
class Envelope:
    """A parsed stored event: the exact payload bytes, its fields and its signature."""

    payload: bytes
    fields: dict[str, Any]
    signature: bytes

    @property
    def key_id(self) -> str:
        """The signing key's C2SP key id, 8 hex digits."""
        return str(self.fields["key"])

    @property
    def prev(self) -> str:
        """Hex SHA-256 of the previous event's payload in the aggregate (:data:`GENESIS` first)."""
        return str(self.fields["prev"])

    @property
    def digest(self) -> str:
        """Hex SHA-256 of the payload: what the next event of the aggregate links to."""
        return payload_digest(self.payload)

    @property
    def made_at(self) -> datetime:
        """When the event was made: its signed ``timestamp``. ValueError when it is missing,
        not an ISO 8601 time, or has no time zone (a naive time fits no key window)."""
        event = self.fields["event"]
        text = event.get("timestamp") if isinstance(event, dict) else None
        if not isinstance(text, str):
            raise ValueError(f"expected the event's timestamp, found {text!r}")
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            raise ValueError(f"expected a timestamp with a time zone, found {text!r}")
        return moment


def payload_digest(payload: bytes) -> str:
    """Hex SHA-256 of a payload: the link the next event of its aggregate carries."""
    return hashlib.sha256(payload).hexdigest()


def to_plain(value: Any) -> Any:
    """A JSON value for the few non-JSON types events carry: UUIDs and dates become strings,
    block sets lists of [first, last]."""
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, BlockSet):
        return value.to_lists()
    raise TypeError(f"expected a JSON value, UUID, date or block set, found {type(value)}")


def canonical_json(value: Any) -> bytes:
    """RFC 8785 bytes for the ledger's value domain (see the module docstring)."""
    return _ENCODER.encode(value).encode()


_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=to_plain
)


def build_payload(
    *, originator_id: str, version: int, topic: str, event: dict[str, Any], key_id: str, prev: str
) -> bytes:
    """The canonical payload of one event: what the operator's key signs, byte for byte."""
    body = {
        "event": event,
        "format": FORMAT,
        "key": key_id,
        "originator_id": originator_id,
        "prev": prev,
        "topic": topic,
        "version": version,
    }
    return canonical_json(body)


def seal(payload: bytes, signature: bytes) -> bytes:
    """The stored ``state`` bytes: the payload, a newline, the base64 signature."""
    return payload + b"\n" + base64.b64encode(signature)


def open_envelope(state: bytes) -> Envelope:
    """Split stored bytes into payload and signature; raise ValueError when malformed."""
    payload, sep, sig_b64 = state.rpartition(b"\n")
    if not sep:
        raise ValueError("stored event has no signature line")
    try:
        signature = base64.b64decode(sig_b64, validate=True)
    except binascii.Error:
        raise ValueError("signature line is not base64") from None
    if len(signature) != 64:
        raise ValueError(f"expected a 64-byte Ed25519 signature, found {len(signature)} bytes")
    fields = json.loads(payload)
    if not isinstance(fields, dict) or fields.get("format") != FORMAT:
        raise ValueError(f"expected an envelope of format {FORMAT}")
    for name in ("event", "key", "originator_id", "prev", "topic", "version"):
        if name not in fields:
            raise ValueError(f"envelope has no `{name}`")
    return Envelope(payload=payload, fields=fields, signature=signature)
