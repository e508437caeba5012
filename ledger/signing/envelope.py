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

import rfc8785

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
        return str(self.fields["key"])

    @property
    def prev(self) -> str:
        return str(self.fields["prev"])

    @property
    def digest(self) -> str:
        return payload_digest(self.payload)


def payload_digest(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


def to_plain(value: Any) -> Any:
    """Turn event values into JSON values: UUID and dates become strings."""
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    return value


def build_payload(
    *, originator_id: str, version: int, topic: str, event: dict[str, Any], key_id: str, prev: str
) -> bytes:
    body = {
        "event": to_plain(event),
        "format": FORMAT,
        "key": key_id,
        "originator_id": originator_id,
        "prev": prev,
        "topic": topic,
        "version": version,
    }
    return bytes(rfc8785.dumps(body))


def seal(payload: bytes, signature: bytes) -> bytes:
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
