"""Proofs that only a key holder could make: odd event payloads and checkpoints, signed for real.

A mutation of a real proof never gets past the signatures, so these reach the later checks with
what a faulty or hostile operator could sign: timestamps at the edges of what Python's
``datetime.fromisoformat`` reads, JSON that ``json.loads`` reads (NaN, repeated keys, a byte
order mark), summaries of odd shape, checkpoint notes with odd lines. Each case is a proof file
and the keys to check it with; the browser must give the verdict Python gives.
"""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.signing.c2sp import key_id
from ledger.signing.envelope import GENESIS, build_payload
from ledger.signing.keys import Signer, TrustedKey, raw_public
from ledger.transparency.bundle import (
    FORMAT,
    RETIREMENT_TOPIC,
    ProofBundle,
    RetirementSummary,
    SignedEvent,
    bundle_json,
)
from ledger.transparency.merkle import leaf_hash

ORIGIN = "registry.example/carbon-ledger"
NAME = "carbon-ledger"
VALID_FROM = "2026-01-01T00:00:00+00:00"
VALID_UNTIL = "2026-06-01T00:00:00+00:00"
MADE_AT = "2026-03-04T05:06:07.123456+00:00"
RETIREMENT_ID = "5f0c6bb4-5d7e-4c39-9a8e-0d6e8f1b2a3c"


@dataclass(frozen=True)
class Case:
    """One proof file, the keys text to check it with, and what it tries."""

    name: str
    raw: bytes
    keys: str


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def event(**changes: Any) -> dict[str, Any]:
    return {"batch": "ART:ART102-2021-11", "beneficiary": "Acme Corp", "blocks": [[1, 7]],
            "buyer": "acme", "claim_period": "2025", "holder": "acme", "idempotency_key": None,
            "quantity": 7, "reason": "claim", "source": "LEAF", "timestamp": MADE_AT,
            "vintage": 2021, **changes}


def summary(**changes: Any) -> dict[str, Any]:
    e = event()
    return {"retirement_id": RETIREMENT_ID, **{k: e[k] for k in (
        "beneficiary", "buyer", "holder", "quantity", "batch", "source", "vintage")},
        "blocks": [{"first": 1, "last": 7}], "reason": e["reason"],
        "claim_period": e["claim_period"], "retired_at": MADE_AT, **changes}


class Operator:
    """A key that signs payloads and checkpoints, and the keys texts a buyer gets for it."""

    def __init__(self, seed: int) -> None:
        private = Ed25519PrivateKey.from_private_bytes(random.Random(seed).randbytes(32))
        self.signer = Signer(NAME, private)
        self.key = self.signer.public.verifier_key
        window = TrustedKey(NAME, private.public_key()).to_dict()
        window.update(valid_from=VALID_FROM, valid_until=VALID_UNTIL)
        self.trust_list = json.dumps({"keys": [window]}, indent=2) + "\n"

    def payload(self, body: dict[str, Any] | None = None, **envelope: Any) -> bytes:
        fields = {"originator_id": RETIREMENT_ID, "version": 1, "topic": RETIREMENT_TOPIC,
                  "event": body or event(), "key_id": self.signer.key_id, "prev": GENESIS}
        return build_payload(**{**fields, **envelope})

    def note(self, text: str, *, lines: tuple[str, ...] = ()) -> str:
        """``text`` signed: its own signature line after ``lines`` (each without newline)."""
        public = raw_public(self.signer.private_key.public_key())
        signature = key_id(NAME, public) + self.signer.sign(text.encode())
        return f"{text}\n" + "".join(f"{line}\n" for line in lines) + \
            f"\u2014 {NAME} {b64(signature)}\n"

    def checkpoint(self, payload: bytes, *, body: str | None = None,
                   lines: tuple[str, ...] = ()) -> str:
        text = body if body is not None else \
            f"{ORIGIN}\n1\n{b64(leaf_hash(payload))}\n"
        return self.note(text, lines=lines)

    def proof(self, payload: bytes, summary_fields: dict[str, Any] | None = None, *,
              checkpoint: str | None = None, tree_size: int = 1) -> bytes:
        bundle = ProofBundle(
            format=FORMAT, summary=RetirementSummary.model_validate(summary_fields or summary()),
            event=SignedEvent(payload=b64(payload), signature=b64(self.signer.sign(payload))),
            leaf_index=0, tree_size=tree_size, inclusion_path=[],
            checkpoint=checkpoint if checkpoint is not None else self.checkpoint(payload))
        return bundle_json(bundle)


# Times at the edges of CPython 3.11's datetime.fromisoformat and of the key's window.
TIMESTAMPS = [
    MADE_AT, "2026-03-04T05:06:07Z", "2026-03-04 05:06:07+00:00", "2026-03-04T05:06:07",
    "2026-03-04", "20260304T050607+0100", "2026-W10-3T05:06Z", "2026W103T05Z", "2026-W10T05Z",
    "2026-03-04T05:06:07,5-01:30", "2026-03-04T05:06:07.1234567891Z", "2026-03-04T05Z",
    "2026-03-04T05:06:07:08Z", "2026-03-04T05:06:07 +00:00", "2026-03-04T05:06Z\x00tail",
    "2026-03-04T05:06\x00", "2026-03-04é05:06:07Z", "2026-03-04\ud80005:06:07Z",
    "2026-03-04T05:06+01:99", "2026-03-04T05:06+23:59:59.999999", "2026-03-04T05:06+24:00",
    "2026-03-04T05:06-00:00:00.5", "2026-03-04T24:00:00Z", "2026-02-29T00:00Z",
    "2024-02-29T00:00Z", "2026-03-04T5:06Z", "2026-03-04T05-30", "0001-01-01T00:00+01:00",
    "9999-12-31T23:59:59.999999-23:59", "0000-W01-1T00:00Z", "9999-W52-7T00:00Z",
    "2020-W53-1T00Z", "2021-W53-1T00Z", "2026-W01-0T00Z", "2026-W01-", "+026-03-04T05:06Z",
    "2026-03-04T05:06:07Z ", "\uff12\uff10\uff12\uff16-03-04T05:06Z", "2026-03-04T05:06:07.+00:00",
    VALID_FROM, "2026-01-01T00:00:00.000001+00:00", "2026-01-01T01:00:00+01:00",
    "2026-01-01T01:00:00.000001+01:00", VALID_UNTIL, "2026-06-01T00:00:00.000001Z",
    "2026-06-01T01:00:00+01:00", "2026-05-31T23:00:00-01:00", "2026-05-31T23:00:01-01:00",
    "2025-12-31T23:59:59.999999Z",
]


def mutated_timestamps(count: int, seed: int = 7) -> Iterator[str]:
    """Edits of valid timestamps, each a few characters replaced, inserted or dropped."""
    rng = random.Random(seed)
    alphabet = "0123456789-:T WZ+.,é\x00\ud800"
    for _ in range(count):
        text = list(rng.choice([*TIMESTAMPS[:12], VALID_FROM, VALID_UNTIL]))
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(text) + 1)
            edit = rng.random()
            if edit < 0.4 and at < len(text):
                text[at] = rng.choice(alphabet)
            elif edit < 0.7:
                text.insert(at, rng.choice(alphabet))
            elif at < len(text):
                del text[at]
        yield "".join(text)


def payload_cases(op: Operator) -> Iterator[Case]:
    """Signed payloads whose JSON, fields or shape are odd: checks 5 to 7."""
    base = op.payload()
    canonical = base.decode()
    odd_bytes = {
        "byte order mark": b"\xef\xbb\xbf" + base,
        "surrounding whitespace": b" \n" + base + b"\r\n\t",
        "NaN, Infinity": base.replace(b'{"event":', b'{"x":[NaN,-Infinity,1e400],"event":'),
        "topic twice, retirement last": base.replace(
            b'"topic":', b'"topic":"other","topic":'),
        "topic twice, retirement first": base.replace(
            b',"version"', b',"topic":"other","version"'),
        "escaped surrogate pair": base.replace(b'"Acme Corp"', b'"\\ud83c\\udf33"'),
        "lone surrogate": base.replace(b'"Acme Corp"', b'"\\ud83c"'),
        "invalid UTF-8": base.replace(b"Acme", b"Ac\xffe"),
        "not JSON": base[:-1],
        "a list": b"[" + base + b"]",
        "integer of 4301 digits": base.replace(b'"quantity":7', b'"quantity":' + b"7" * 4301),
        "nested 200 deep": base.replace(b'{"event":', b'{"x":' + b"[" * 200 + b"]" * 200 +
                                        b',"event":'),
        "upper-case escapes": base.replace(b'"Acme Corp"', b'"\\u0041cme\\u0020Corp"'),
        "escaped slash": base.replace(b'"claim"', b'"cl\\/aim"'),
        "control character in a string": base.replace(b"Acme", b"Ac\x01e"),
        "trailing comma": base[:-1] + b",}",
        "starts with NUL": b"\x00" + base,
    }
    for name, payload in odd_bytes.items():
        yield Case(f"payload: {name}", op.proof(payload), op.key)
    yield Case("payload: escaped surrogate pair, summary says it", op.proof(
        odd_bytes["escaped surrogate pair"], summary(beneficiary="\U0001f333")), op.key)
    yield Case("payload: escaped slash, summary says it", op.proof(
        odd_bytes["escaped slash"], summary(reason="cl/aim")), op.key)
    assert canonical.startswith('{"event"')

    fields: dict[str, tuple[dict[str, Any], dict[str, Any] | None]] = {
        "quantity 2**70": (event(quantity=2**70), summary(quantity=2**70)),
        "quantity as a float": (event(quantity=7.0), None),
        "quantity as a bool": (event(quantity=True), None),
        "quantity as a string": (event(quantity="7"), None),
        "blocks an empty object": (event(blocks={}), summary(blocks=[])),
        "blocks an empty string": (event(blocks=""), summary(blocks=[])),
        "blocks an empty list": (event(blocks=[]), summary(blocks=[])),
        "blocks of three": (event(blocks=[[1, 2, 3]]), None),
        "blocks of strings": (event(blocks=[["1", "7"]]), None),
        "blocks a string of two": (event(blocks=["17"]), None),
        "blocks an object": (event(blocks={"ab": 1}), None),
        "blocks null": (event(blocks=None), None),
        "no beneficiary": ({k: v for k, v in event().items() if k != "beneficiary"}, None),
        "no timestamp": ({k: v for k, v in event().items() if k != "timestamp"}, None),
        "timestamp a number": (event(timestamp=20260304), None),
        "beneficiary a number": (event(beneficiary=7), None),
        "extra fields": (event(note="hi", nested={"a": [1, None, True]}), None),
    }
    for name, (body, expected) in fields.items():
        yield Case(f"event: {name}", op.proof(op.payload(body), expected), op.key)

    envelopes: dict[str, bytes] = {
        "another topic": op.payload(topic="ledger.aggregates.batch:CreditBatch.Retired"),
        "key id in capitals": op.payload(key_id=op.signer.key_id.upper()),
        "key id unknown": op.payload(key_id="00000000"),
        "originator id a number": op.payload(originator_id=12345),
        "event a list": op.payload(body=[1, 2]),  # type: ignore[arg-type]
        "no version": canonical.replace(',"version":1', "").encode(),
        "another format": canonical.replace("carbon-ledger/event/v1", "v0").encode(),
        "key id a number": canonical.replace(f'"key":"{op.signer.key_id}"', '"key":1234')
        .encode(),
    }
    for name, payload in envelopes.items():
        yield Case(f"envelope: {name}", op.proof(payload), op.key)


def timestamp_cases(op: Operator, generated: int) -> Iterator[Case]:
    """Each timestamp, with the key alone (no window) and with the trust list (a window)."""
    for stamp in [*TIMESTAMPS, *mutated_timestamps(generated)]:
        try:
            payload = op.payload(event(timestamp=stamp))
        except UnicodeEncodeError:  # a lone surrogate: the payload cannot be UTF-8
            continue
        raw = op.proof(payload, summary(retired_at=stamp))
        yield Case(f"timestamp {stamp!r}, key", raw, op.key)
        yield Case(f"timestamp {stamp!r}, trust list", raw, op.trust_list)


def checkpoint_cases(op: Operator) -> Iterator[Case]:
    """Checkpoint notes signed by the trusted key, with odd bodies and signature lines."""
    payload = op.payload()
    root = b64(leaf_hash(payload))
    stranger = Operator(99)
    unknown = stranger.note(f"{ORIGIN}\n1\n{root}\n").splitlines()[-1]
    bodies = {
        "an extension line": f"{ORIGIN}\n1\n{root}\nextension\n",
        "an empty extension line": f"{ORIGIN}\n1\n{root}\n\n",
        "size with a leading zero": f"{ORIGIN}\n01\n{root}\n",
        "size 2**64": f"{ORIGIN}\n18446744073709551616\n{root}\n",
        "size 2**64 - 1": f"{ORIGIN}\n18446744073709551615\n{root}\n",
        "root of 31 bytes": f"{ORIGIN}\n1\n{b64(leaf_hash(payload)[:31])}\n",
        "root in another spelling": f"{ORIGIN}\n1\n{root[:-2]}B=\n",
        "no origin": f"\n1\n{root}\n",
        "a non-ASCII origin": f"registre.example/société\n1\n{root}\n",
        "a carriage return": f"{ORIGIN}\r\n1\n{root}\n",
        "no size": f"{ORIGIN}\n{root}\n",
    }
    for name, body in bodies.items():
        yield Case(f"checkpoint: {name}", op.proof(payload, checkpoint=op.checkpoint(
            payload, body=body)), op.key)
    good = op.checkpoint(payload)
    text, _, own = good.rstrip("\n").rpartition("\n")
    lines = {
        "an unknown key's line first": good.replace(own, f"{unknown}\n{own}"),
        "100 lines": good.replace(own, "\n".join([unknown] * 99 + [own])),
        "101 lines": good.replace(own, "\n".join([unknown] * 100 + [own])),
        "a line with two spaces": good.replace(own, own.replace(" ", "  ", 1)),
        "a name with U+0085": good.replace(own, f"{unknown}\n{own}").replace(
            f"\u2014 {NAME} ", f"\u2014 {NAME}\x85 ", 1),
        "a name with U+FEFF": good.replace(own, f"{unknown}\n{own}").replace(
            f"\u2014 {NAME} ", f"\u2014 {NAME}\ufeff ", 1),
        "a hyphen for the em dash": good.replace(own, own.replace("\u2014", "-")),
        "no final newline": good[:-1],
        "no blank line": good.replace("\n\n", "\n"),
        "a failing signature of the trusted key": good.replace(
            own, own[:-6] + ("A" if own[-6] != "A" else "B") + own[-5:]),
    }
    for name, note in lines.items():
        yield Case(f"checkpoint: {name}", op.proof(payload, checkpoint=note), op.key)
    assert text
    yield Case("checkpoint: tree size 2 in the bundle", op.proof(payload, tree_size=2), op.key)


def trust_list_cases(op: Operator) -> Iterator[Case]:
    """Trust lists with odd window bounds: both refuse the list, or both use it alike."""
    raw = op.proof(op.payload())
    for bound in ["", None, 0, 0.0, False, [], {}, "2026-01-01", "2026-01-01T00:00Z", 20260101,
                  True, "garbage", "2026-03-04T05:06:07.123456+00:00"]:
        entry = json.loads(op.trust_list)["keys"][0]
        entry["valid_from"] = bound
        yield Case(f"trust list: valid_from {bound!r}", raw, json.dumps({"keys": [entry]}))
    for name, text in {"no keys": '{"keys": []}', "keys an object": '{"keys": {}}',
                       "a list": "[]", "not JSON": "{", "no verifier_key": '{"keys": [{}]}'
                       }.items():
        yield Case(f"trust list: {name}", raw, text)


def signed_corpus(generated_timestamps: int = 300) -> list[Case]:
    """Every case above, from one operator key."""
    op = Operator(1)
    return [*payload_cases(op), *timestamp_cases(op, generated_timestamps),
            *checkpoint_cases(op), *trust_list_cases(op)]
