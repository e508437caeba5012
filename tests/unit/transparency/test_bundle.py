"""Retirement proof bundles and the offline verifier, on real signed events in a real tree.

No database: events are signed with ``build_payload`` and an Ed25519 key, put among other
events in a :class:`CompactRange` tree, and proved under checkpoints signed with
``sign_checkpoint``, as the ledger's log writer does. :func:`build_scenario` is shared with the
end-to-end tests of ``ledger verify``.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.utils import get_topic
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from ledger.aggregates.retirement import Retirement
from ledger.errors import (
    CheckpointInvalid,
    ConsistencyFailed,
    InvalidArgument,
    NotARetirement,
    ProofInvalid,
    ProofMalformed,
    SignatureInvalid,
    SummaryMismatch,
    UnknownKey,
    VerificationFailed,
)
from ledger.schemas import render
from ledger.signing.c2sp import decode_base64
from ledger.signing.envelope import GENESIS, build_payload
from ledger.signing.keys import Signer, TrustedKey
from ledger.transparency.bundle import (
    MAX_FILE_BYTES,
    RETIREMENT_TOPIC,
    Base64,
    Hash,
    ProofBundle,
    Signature,
    SignedEvent,
    bundle_json,
    bundle_schema,
    make_bundle,
    to_tlog_proof,
)
from ledger.transparency.checkpoint import Checkpoint, sign_checkpoint
from ledger.transparency.merkle import (
    CompactRange,
    MemoryNodeStore,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
)
from ledger.transparency.tlog_proof import parse_tlog_proof, verify_tlog_proof
from ledger.transparency.verify import (
    format_consistency_proof,
    parse_consistency_proof,
    verifiers,
    verify_bundle,
    verify_consistency_files,
)

ORIGIN = "registry.example/carbon-ledger"
BEFORE = datetime(2026, 1, 5, 9, 30, 15, 123456, tzinfo=UTC)
ROTATED_AT = datetime(2026, 6, 1, tzinfo=UTC)
AFTER = ROTATED_AT + timedelta(days=10)
SCHEMA = Path(__file__).resolve().parents[3] / "schemas" / "retirement-proof.schema.json"
OTHER_TOPIC = "ledger.aggregates.batch:CreditBatch.Retired"


def retirement_event(made_at: datetime, **changes: Any) -> dict[str, Any]:
    """The fields of a ``Retirement.Recorded`` event as the signing mapper stores them."""
    return {
        "batch": "ART:ART102-2021-11", "beneficiary": "São Paulo Transportes S.A. — frota 🌳",
        "blocks": [[1, 20], [41, 45]], "buyer": "acme", "claim_period": "2025",
        "holder": "acme", "idempotency_key": None,
        "originator_topic": "ledger.aggregates.retirement:Retirement", "quantity": 25,
        "reason": "FY2025 Scope 3 target", "source": "LEAF", "timestamp": made_at,
        "vintage": 2021, **changes,
    }


@dataclass
class SignedLog:
    """An in-memory log of real signed events, hashed into the RFC 9162 tree as they come."""

    nodes: MemoryNodeStore = field(default_factory=MemoryNodeStore)
    tree: CompactRange = field(default_factory=CompactRange)
    events: list[tuple[bytes, bytes]] = field(default_factory=list)

    def append(self, signer: Signer, event: dict[str, Any], topic: str = RETIREMENT_TOPIC) -> int:
        payload = build_payload(originator_id=str(uuid4()), version=1, topic=topic, event=event,
                                key_id=signer.key_id, prev=GENESIS)
        self.events.append((payload, signer.sign(payload)))
        self.nodes.put(self.tree.append(leaf_hash(payload)))
        return len(self.events) - 1

    def fill(self, signer: Signer, count: int, made_at: datetime) -> None:
        for i in range(count):
            event = {"blocks": [[i, i]], "holder": "acme", "timestamp": made_at}
            self.append(signer, event, OTHER_TOPIC)

    def checkpoint(self, signer: Signer) -> str:
        head = Checkpoint(ORIGIN, self.tree.size, self.tree.root())
        return sign_checkpoint(head, signer.name, signer.private_key)

    def prove(self, index: int, signed_checkpoint: str, size: int | None = None) -> ProofBundle:
        size = size or self.tree.size
        payload, signature = self.events[index]
        path = inclusion_proof(index, size, self.nodes)
        return make_bundle(payload, signature, index, size, path, signed_checkpoint)


@dataclass
class Scenario:
    """One operator key rotation, with proofs made before and after it."""

    old: Signer
    new: Signer
    trust: list[TrustedKey]
    log: SignedLog
    before: bytes  # old key's retirement, checkpoint by the old key before the rotation
    after: bytes  # new key's retirement, checkpoint by the new key
    old_after: bytes  # old key's retirement, proved under the new key's checkpoint
    checkpoint_before: str
    checkpoint_after: str


@cache
def build_scenario() -> Scenario:
    old = Signer("carbon-ledger", Ed25519PrivateKey.generate())
    new = Signer("carbon-ledger", Ed25519PrivateKey.generate())
    trust = [TrustedKey(old.name, old.private_key.public_key(), None, ROTATED_AT),
             TrustedKey(new.name, new.private_key.public_key(), ROTATED_AT, None)]
    log = SignedLog()
    log.fill(old, 17, BEFORE)
    first = log.append(old, retirement_event(BEFORE))
    log.fill(old, 8, BEFORE)
    checkpoint_before = log.checkpoint(old)
    before = log.prove(first, checkpoint_before)
    log.fill(new, 11, AFTER)
    # The first retirement is as recorded before labels existed; the second carries them.
    second = log.append(new, retirement_event(AFTER, beneficiary="Acme Corp", quantity=7,
                                              blocks=[[100, 106]],
                                              labels=["ca:committed", "ccp"], unit="t"))
    log.fill(new, 5, AFTER)
    checkpoint_after = log.checkpoint(new)
    return Scenario(old, new, trust, log, bundle_json(before),
                    bundle_json(log.prove(second, checkpoint_after)),
                    bundle_json(log.prove(first, checkpoint_after)),
                    checkpoint_before, checkpoint_after)


def edited(raw: bytes, **changes: Any) -> bytes:
    """The bundle with fields changed, written canonically so that only the edit differs."""
    bundle = ProofBundle.model_validate_json(raw)
    summary_changes = changes.pop("summary", {})
    summary = bundle.summary.model_copy(update=summary_changes)
    return bundle_json(bundle.model_copy(update={"summary": summary, **changes}))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def failure(raw: bytes, trust: list[TrustedKey]) -> VerificationFailed:
    with pytest.raises(VerificationFailed) as raised:
        verify_bundle(raw, trust)
    return raised.value


# --- the untouched proof ------------------------------------------------------------------------


def test_an_untouched_bundle_verifies_and_reports_the_signed_retirement() -> None:
    s = build_scenario()
    result = verify_bundle(s.before, s.trust)
    assert (result.summary.quantity, result.summary.beneficiary) == (
        25, "São Paulo Transportes S.A. — frota 🌳")
    assert [(b.first, b.last) for b in result.summary.blocks] == [(1, 20), (41, 45)]
    assert result.summary.retired_at == BEFORE.isoformat()
    assert (result.leaf_index, result.checkpoint.size, result.checkpoint.origin) == (17, 26, ORIGIN)
    assert result.event_key_id == s.old.key_id


def test_the_summary_is_read_from_the_signed_payload() -> None:
    bundle = ProofBundle.model_validate_json(build_scenario().after)
    signed = json.loads(bundle.event.payload_bytes())
    assert bundle.summary.retirement_id == signed["originator_id"]
    given = bundle.summary.model_dump(exclude={"retirement_id", "blocks", "retired_at"},
                                      exclude_none=True)
    assert given == {name: signed["event"][name] for name in given}


def test_the_labels_a_retirement_recorded_are_in_its_summary_and_checked() -> None:
    s = build_scenario()
    assert verify_bundle(s.after, s.trust).summary.labels == ["ca:committed", "ccp"]
    assert b'"labels"' not in s.before  # recorded before labels: none, and no null either
    assert verify_bundle(s.before, s.trust).summary.labels is None
    for raw, labels in ((s.after, ["ca:committed", "ccp", "corsia:first-phase"]),
                        (s.after, None), (s.before, [])):
        found = failure(edited(raw, summary={"labels": labels}), s.trust)
        assert (found.code, "field `labels`" in found.message) == ("summary_mismatch", True)


def test_proofs_made_before_and_after_a_key_rotation_both_verify_with_the_trust_list() -> None:
    s = build_scenario()
    assert verify_bundle(s.before, s.trust).event_key_id == s.old.key_id
    assert verify_bundle(s.after, s.trust).event_key_id == s.new.key_id
    assert verify_bundle(s.old_after, s.trust).checkpoint.size == s.log.tree.size


# --- every byte matters -------------------------------------------------------------------------


@pytest.mark.parametrize("mask", [0x01, 0x20, 0x80])
def test_every_single_byte_change_anywhere_in_the_file_is_rejected(mask: int) -> None:
    s = build_scenario()
    accepted = []
    for offset in range(len(s.before)):
        changed = bytearray(s.before)
        changed[offset] ^= mask
        try:
            verify_bundle(bytes(changed), s.trust)
        except VerificationFailed:
            continue
        accepted.append(offset)
    assert accepted == []


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_replacing_any_byte_with_any_other_value_is_rejected(data: st.DataObject) -> None:
    raw = build_scenario().old_after
    offset = data.draw(st.integers(0, len(raw) - 1))
    value = data.draw(st.integers(0, 255).filter(lambda v: v != raw[offset]))
    with pytest.raises(VerificationFailed):
        verify_bundle(raw[:offset] + bytes([value]) + raw[offset + 1:], build_scenario().trust)


@pytest.mark.parametrize(
    "raw",
    [b"", b"{}", b"[]", b"null", b"\xff", b"[" * 100_000, b" " * (MAX_FILE_BYTES + 1)],
    ids=["empty", "empty-object", "array", "null", "not-utf8", "deeply-nested", "oversized"],
)
def test_input_that_is_not_a_proof_file_is_malformed(raw: bytes) -> None:
    error = failure(raw, build_scenario().trust)
    assert isinstance(error, ProofMalformed)
    assert error.message.startswith("check 1 of 7 (proof file)")


def test_the_same_proof_in_another_json_spelling_is_refused() -> None:
    s = build_scenario()
    data = json.loads(s.before)
    for spelling in (json.dumps(data), json.dumps(data, indent=2),  # \\u escapes
                     json.dumps(data, indent=4, ensure_ascii=False) + "\n",
                     s.before.decode().rstrip("\n")):
        assert isinstance(failure(spelling.encode(), s.trust), ProofMalformed)


def test_an_unknown_field_or_a_duplicate_field_is_refused() -> None:
    s = build_scenario()
    extra = s.before.replace(b'  "checkpoint"', b'  "note": "hi",\n  "checkpoint"')
    duplicate = s.before.replace(b'  "checkpoint"', b'  "leaf_index": 17,\n  "checkpoint"')
    assert isinstance(failure(extra, s.trust), ProofMalformed)
    assert isinstance(failure(duplicate, s.trust), ProofMalformed)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=40))
def test_the_canonical_spelling_is_what_stdlib_json_writes(beneficiary: str) -> None:
    s = build_scenario()
    log = SignedLog()
    index = log.append(s.old, retirement_event(BEFORE, beneficiary=beneficiary))
    raw = bundle_json(log.prove(index, log.checkpoint(s.old)))
    assert raw == (json.dumps(json.loads(raw), indent=2, ensure_ascii=False) + "\n").encode()
    assert verify_bundle(raw, s.trust).summary.beneficiary == beneficiary


B64_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
ADAPTERS: tuple[TypeAdapter[str], ...] = (TypeAdapter(Base64), TypeAdapter(Hash),
                                          TypeAdapter(Signature))


def respelled(data: bytes, char: str) -> str:
    """The base64 of ``data`` with its last character before the padding replaced."""
    text = b64(data)
    end = len(text.rstrip("="))
    return text[: end - 1] + char + text[end:]


@settings(max_examples=400)
@given(st.one_of(
    st.text(alphabet=B64_CHARS + "=", min_size=1, max_size=12),
    st.builds(respelled, st.binary(min_size=1, max_size=9), st.sampled_from(B64_CHARS)),
    st.builds(respelled, st.binary(min_size=32, max_size=32), st.sampled_from(B64_CHARS)),
    st.builds(respelled, st.binary(min_size=64, max_size=64), st.sampled_from(B64_CHARS)),
))
def test_the_base64_patterns_accept_exactly_the_canonical_spelling(text: str) -> None:
    try:
        size: int | None = len(decode_base64(text))
    except ValueError:
        size = None
    for adapter, accepts_size in zip(ADAPTERS, (bool(size), size == 32, size == 64), strict=True):
        try:
            adapter.validate_python(text)
        except ValidationError:
            assert not accepts_size, text
        else:
            assert accepts_size, text


# --- each check, on its own -------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [{"quantity": 2500}, {"beneficiary": "Another Corp"}, {"buyer": "globex"},
     {"claim_period": "2024"}, {"retired_at": AFTER.isoformat()}, {"vintage": 2022}],
    ids=lambda change: next(iter(change)),
)
def test_a_summary_that_differs_from_the_signed_event_is_rejected(change: dict[str, Any]) -> None:
    s = build_scenario()
    error = failure(edited(s.before, summary=change), s.trust)
    assert isinstance(error, SummaryMismatch)
    assert f"check 7 of 7 (summary): field `{next(iter(change))}`" in error.message


def test_a_summary_naming_other_serial_blocks_is_rejected() -> None:
    s = build_scenario()
    bundle = ProofBundle.model_validate_json(s.before)
    blocks = [bundle.summary.blocks[0].model_copy(update={"last": 45})]
    error = failure(edited(s.before, summary={"blocks": blocks}), s.trust)
    assert isinstance(error, SummaryMismatch) and "field `blocks`" in error.message


def test_a_bundle_for_a_non_retirement_event_is_rejected() -> None:
    s = build_scenario()
    log = SignedLog()
    log.fill(s.old, 3, BEFORE)
    # Shaped like a retirement, so only the topic tells them apart.
    index = log.append(s.old, retirement_event(BEFORE), topic=OTHER_TOPIC)
    payload, signature = log.events[index]
    real = ProofBundle.model_validate_json(s.before)
    forged = real.model_copy(update={
        "event": SignedEvent(payload=b64(payload), signature=b64(signature)),
        "leaf_index": index, "tree_size": log.tree.size,
        "inclusion_path": [b64(h) for h in inclusion_proof(index, log.tree.size, log.nodes)],
        "checkpoint": log.checkpoint(s.old),
    })
    error = failure(bundle_json(forged), s.trust)
    assert isinstance(error, NotARetirement) and "check 6 of 7 (event type)" in error.message


def test_making_a_bundle_for_a_non_retirement_event_is_refused() -> None:
    s = build_scenario()
    payload, signature = s.log.events[0]
    with pytest.raises(InvalidArgument, match=r"Retirement\.Recorded"):
        make_bundle(payload, signature, 0, 1, [], s.checkpoint_before)


def test_a_checkpoint_signed_by_an_unknown_key_is_rejected() -> None:
    s = build_scenario()
    stranger = Signer("carbon-ledger", Ed25519PrivateKey.generate())
    raw = edited(s.after, checkpoint=s.log.checkpoint(stranger))
    error = failure(raw, s.trust)
    assert isinstance(error, CheckpointInvalid)
    assert "check 2 of 7 (checkpoint signature)" in error.message


def test_an_empty_trust_list_trusts_nothing() -> None:
    assert isinstance(failure(build_scenario().before, []), CheckpointInvalid)


def test_a_tree_size_other_than_the_checkpoints_is_rejected() -> None:
    s = build_scenario()
    error = failure(edited(s.before, tree_size=27), s.trust)
    assert isinstance(error, ProofInvalid) and "check 3 of 7 (tree size)" in error.message


def test_a_proof_for_another_leaf_is_rejected() -> None:
    s = build_scenario()
    error = failure(edited(s.before, leaf_index=16), s.trust)
    assert isinstance(error, ProofInvalid) and "check 4 of 7 (inclusion)" in error.message


def test_an_event_signed_outside_its_keys_validity_window_is_rejected() -> None:
    s = build_scenario()
    log = SignedLog()
    index = log.append(s.old, retirement_event(AFTER))  # the old key, after it was retired
    error = failure(bundle_json(log.prove(index, log.checkpoint(s.new))), s.trust)
    assert isinstance(error, SignatureInvalid)
    assert "check 5 of 7 (event signature)" in error.message and "outside" in error.message


def test_an_event_signed_by_a_key_not_in_the_trust_list_is_rejected() -> None:
    s = build_scenario()
    log = SignedLog()
    index = log.append(Signer("rogue", Ed25519PrivateKey.generate()), retirement_event(BEFORE))
    error = failure(bundle_json(log.prove(index, log.checkpoint(s.old))), s.trust)
    assert isinstance(error, UnknownKey)


def test_an_event_without_a_time_zone_is_rejected() -> None:
    s = build_scenario()
    log = SignedLog()
    index = log.append(s.old, retirement_event(BEFORE.replace(tzinfo=None)))
    error = failure(bundle_json(log.prove(index, log.checkpoint(s.old))), s.trust)
    assert isinstance(error, SignatureInvalid)


# --- consistency between two checkpoints -----------------------------------------------------


def growth() -> tuple[str, str, list[bytes]]:
    """The checkpoints before (old key) and after (new key) the rotation, and the proof."""
    s = build_scenario()
    old_size = ProofBundle.model_validate_json(s.before).tree_size
    return (s.checkpoint_before, s.checkpoint_after,
            consistency_proof(old_size, s.log.tree.size, s.log.nodes))


def test_a_log_that_only_grew_across_a_key_rotation_is_consistent() -> None:
    old, new, proof = growth()
    result = verify_consistency_files(old, new, proof, build_scenario().trust)
    assert (result.old.size, result.new.size, result.new.origin) == (26, 43, ORIGIN)


def test_every_single_bit_change_in_a_consistency_proof_is_rejected() -> None:
    old, new, proof = growth()
    for position, hash_ in enumerate(proof):
        for bit in range(len(hash_) * 8):
            changed = bytearray(hash_)
            changed[bit // 8] ^= 1 << bit % 8
            mutated = [*proof[:position], bytes(changed), *proof[position + 1:]]
            with pytest.raises(ConsistencyFailed, match="check 4 of 4"):
                verify_consistency_files(old, new, mutated, build_scenario().trust)


@pytest.mark.parametrize("cut", ["drop-first", "drop-last", "extra", "swapped"])
def test_a_consistency_proof_of_the_wrong_shape_is_rejected(cut: str) -> None:
    old, new, proof = growth()
    mutated = {"drop-first": proof[1:], "drop-last": proof[:-1], "extra": [*proof, proof[0]],
               "swapped": [proof[1], proof[0], *proof[2:]]}[cut]
    with pytest.raises(ConsistencyFailed):
        verify_consistency_files(old, new, mutated, build_scenario().trust)


def test_checkpoints_in_the_wrong_order_are_not_consistent() -> None:
    old, new, proof = growth()
    with pytest.raises(ConsistencyFailed):
        verify_consistency_files(new, old, proof, build_scenario().trust)


def test_checkpoints_of_another_log_or_by_an_unknown_key_are_rejected() -> None:
    s = build_scenario()
    old, new, proof = growth()
    other_origin = sign_checkpoint(
        Checkpoint("other.example/log", s.log.tree.size, s.log.tree.root()), s.new.name,
        s.new.private_key)
    with pytest.raises(CheckpointInvalid, match=r"check 3 of 4 \(origin\)"):
        verify_consistency_files(old, other_origin, proof, s.trust)
    with pytest.raises(CheckpointInvalid, match="check 1 of 4"):
        verify_consistency_files(old, new, proof, s.trust[1:])


def test_the_consistency_proof_file_is_one_base64_hash_per_line() -> None:
    _, _, proof = growth()
    text = format_consistency_proof(proof)
    assert text.count("\n") == len(proof) and text.endswith("=\n")
    assert parse_consistency_proof(text) == proof
    assert parse_consistency_proof(text.rstrip("\n").encode()) == proof
    assert parse_consistency_proof("") == parse_consistency_proof("\n") == []


ZERO_HASH = base64.b64encode(bytes(32)).decode()


@pytest.mark.parametrize(
    "text",
    ["\n\n", f"{ZERO_HASH}\n\n{ZERO_HASH}\n", f"{ZERO_HASH}\n\n", f"{ZERO_HASH}\r\n",
     f" {ZERO_HASH}\n", f"{ZERO_HASH[:42]}B=\n", f"{b64(bytes(31))}\n", "not base64\n", "\xff"],
    ids=["blank-line", "blank-line-between", "trailing-blank-line", "crlf", "leading-space",
         "non-canonical-base64", "short-hash", "not-base64", "not-text"],
)
def test_a_malformed_consistency_proof_file_is_rejected(text: str) -> None:
    with pytest.raises(ConsistencyFailed):
        parse_consistency_proof(text.encode("latin-1") if text == "\xff" else text)


# --- other formats ----------------------------------------------------------------------------


def test_the_tlog_proof_form_verifies_with_the_leaf_hash_of_the_signed_payload() -> None:
    s = build_scenario()
    bundle = ProofBundle.model_validate_json(s.after)
    proof = parse_tlog_proof(to_tlog_proof(bundle))
    leaf = leaf_hash(bundle.event.payload_bytes())
    checkpoint = verify_tlog_proof(proof, leaf, verifiers(s.trust), ORIGIN)
    assert (proof.index, checkpoint.size) == (bundle.leaf_index, bundle.tree_size)
    assert proof.checkpoint == bundle.checkpoint


def test_the_retirement_topic_is_that_of_retirement_recorded() -> None:
    assert get_topic(Retirement.Recorded) == RETIREMENT_TOPIC  # type: ignore[attr-defined]


def test_the_checked_in_schema_matches_the_model() -> None:
    assert SCHEMA.read_text() == render(bundle_schema()), (
        "schemas/retirement-proof.schema.json drifted: regenerate it from bundle_schema()"
    )
