"""The canonical signed encoding is stable: golden bytes are checked in."""

from __future__ import annotations

import base64
import json
import typing
from datetime import UTC, datetime
from uuid import UUID

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.signing.envelope import GENESIS, build_payload, canonical_json, open_envelope, seal
from ledger.signing.keys import Signer

# RFC 8785: UTF-8 as is (no \\u escapes for non-ASCII), sorted keys, no whitespace.
GOLDEN_PAYLOAD = (
    '{"event":{"beneficiary":"São Paulo Transportes S.A. — frøð 🌳",'.encode()
    + b'"blocks":[[1,20]],"quantity":20,"reservation_id":'
    b'"00000000-0000-0000-0000-000000000007","timestamp":"2026-01-02T03:04:05.000006+00:00"},'
    b'"format":"carbon-ledger/event/v1","key":"0a1b2c3d","originator_id":'
    b'"00000000-0000-0000-0000-000000000001","prev":"'
    + GENESIS.encode()
    + b'","topic":"ledger.aggregates.batch:CreditBatch.Reserved","version":1}'
)


def golden_payload() -> bytes:
    return build_payload(
        originator_id=str(UUID(int=1)),
        version=1,
        topic="ledger.aggregates.batch:CreditBatch.Reserved",
        event={
            "timestamp": datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
            "reservation_id": UUID(int=7),
            "quantity": 20,
            "blocks": [[1, 20]],
            "beneficiary": "São Paulo Transportes S.A. — frøð 🌳",
        },
        key_id="0a1b2c3d",
        prev=GENESIS,
    )


def test_the_canonical_payload_matches_the_golden_bytes() -> None:
    assert golden_payload().decode() == GOLDEN_PAYLOAD.decode("utf-8")


def test_the_payload_is_compact_sorted_utf8_json() -> None:
    payload = golden_payload()
    again = json.dumps(json.loads(payload), sort_keys=True, separators=(",", ":"),
                       ensure_ascii=False)
    assert payload == again.encode()
    assert b"\n" not in payload


GOLDEN_SIGNATURE = (
    "ff0cfa4155ad7bab36b26d9a12f17bcf5383d8d34fb97fa24174a450a8472693"
    "17570fff092bdb896705cdcb5138b48bf08b76ba94a9e955cb8690fa001b7005"
)


def test_the_golden_signature_and_verifier_key_are_stable() -> None:
    signer = Signer("golden", Ed25519PrivateKey.from_private_bytes(bytes(range(32))))
    signature = signer.sign(golden_payload())
    assert signature.hex() == GOLDEN_SIGNATURE
    verifier = "golden+f0c68048+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4"
    assert signer.public.verifier_key == verifier
    envelope = open_envelope(seal(golden_payload(), signature))
    assert (envelope.payload, envelope.signature) == (golden_payload(), signature)
    assert signer.public.verify(signature, envelope.payload)


@pytest.mark.parametrize(
    "state",
    [b"no newline", golden_payload() + b"\n!!notbase64", golden_payload() + b"\n"
     + base64.b64encode(b"short")],
)
def test_malformed_envelopes_are_refused(state: bytes) -> None:
    with pytest.raises(ValueError):
        open_envelope(state)


json_keys = st.text(alphabet=st.characters(max_codepoint=0xDFFF, exclude_categories=["Cs"]),
                    max_size=8)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(json_keys, children,
                                                                      max_size=4),
    max_leaves=20,
)


@settings(max_examples=500, deadline=None)
@given(json_values)
def test_the_canonical_encoding_equals_the_rfc8785_reference(value: object) -> None:
    assert canonical_json(value) == rfc8785.dumps(value)


def test_no_event_carries_a_float_the_canonical_form_could_not_pin_down() -> None:
    from eventsourcing.domain import Aggregate

    from ledger.aggregates import (
        account,
        batch,
        catalogue,
        operator,
        reservation,
        retirement,
        serial_scope,
        transfer,
    )

    checked = 0
    for module in (account, batch, catalogue, operator, reservation, retirement, serial_scope,
                   transfer):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Aggregate) and value is not Aggregate:
                for event_class in vars(value).values():
                    if isinstance(event_class, type) and issubclass(event_class, Aggregate.Event):
                        assert float not in typing.get_type_hints(event_class).values()
                        checked += 1
    assert checked >= 15
