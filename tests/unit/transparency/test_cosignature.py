"""Witness cosignatures (C2SP tlog-cosignature v1), checked against the tests' own witness,
which signs them from the spec with ``cryptography`` directly."""

from __future__ import annotations

import base64
import hashlib
import struct

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.errors import CheckpointInvalid, CosignatureMissing
from ledger.signing.c2sp import verifier_key
from ledger.transparency.checkpoint import Checkpoint, sign_checkpoint
from ledger.transparency.cosignature import (
    cosign,
    cosignatures,
    parse_witness_key,
    require_cosignatures,
    signed_message,
)
from ledger.transparency.note import add_signatures
from tests.support.witness import SpecWitness

ORIGIN = "registry.example/carbon-ledger"
LOG_KEY = Ed25519PrivateKey.generate()
NOTE = sign_checkpoint(Checkpoint(ORIGIN, 42, hashlib.sha256(b"root").digest()), "operator",
                       LOG_KEY)
BODY = NOTE[: NOTE.rfind("\n\n") + 1]


def test_the_signed_message_is_the_spec_example() -> None:
    body = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    assert signed_message(body, 1679315147) == (
        b"cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\n"
        b"CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n")


def test_a_cosignature_by_the_tests_witness_verifies_with_its_time() -> None:
    witness = SpecWitness()
    note = add_signatures(NOTE, [witness.cosign(BODY, 1_700_000_000)])
    [found] = cosignatures(note, [parse_witness_key(witness.vkey)])
    assert (found.witness, found.time.timestamp()) == (witness.name, 1_700_000_000)


def test_a_witness_asked_again_adds_no_second_cosignature() -> None:
    """Asked twice a second apart, a witness cosigns anew (another time, other bytes); the note
    keeps one cosignature per witness key, the first."""
    witness = SpecWitness()
    first = add_signatures(NOTE, [witness.cosign(BODY, 1_700_000_000)])
    again = add_signatures(first, [witness.cosign(BODY, 1_700_000_001)])
    assert again == first
    [found] = cosignatures(again, [parse_witness_key(witness.vkey)])
    assert found.time.timestamp() == 1_700_000_000


def test_ours_and_the_tests_witness_sign_the_same_bytes() -> None:
    key = Ed25519PrivateKey.generate()
    witness = SpecWitness(name="w.example/x", key=key)
    assert cosign(BODY, "w.example/x", key, 7) == witness.cosign(BODY, 7)


def test_cosignatures_of_unknown_keys_are_ignored_and_counted_as_missing() -> None:
    stranger, trusted = SpecWitness(name="stranger.example/w"), SpecWitness()
    note = add_signatures(NOTE, [stranger.cosign(BODY)])
    assert cosignatures(note, [parse_witness_key(trusted.vkey)]) == []
    with pytest.raises(CosignatureMissing, match=r"at least 1 of 1 .* found 0"):
        require_cosignatures(note, [parse_witness_key(trusted.vkey)], 1)


def test_a_witness_counts_once_and_the_minimum_is_enforced() -> None:
    one, two = SpecWitness(name="w.example/1"), SpecWitness(name="w.example/2")
    keys = [parse_witness_key(one.vkey), parse_witness_key(two.vkey)]
    note = add_signatures(NOTE, [one.cosign(BODY, 1), one.cosign(BODY, 2)])
    assert [c.witness for c in require_cosignatures(note, keys, 1)] == ["w.example/1"]
    with pytest.raises(CosignatureMissing, match=r"found 1 \(w.example/1\)"):
        require_cosignatures(note, keys, 2)
    both = add_signatures(note, [two.cosign(BODY)])
    assert len(require_cosignatures(both, keys, 2)) == 2


def test_a_cosignature_of_another_checkpoint_fails_closed() -> None:
    witness = SpecWitness()
    other = BODY.replace("42", "43")
    line = witness.cosign(other)
    with pytest.raises(CheckpointInvalid, match=r"cosignature by witness .* fails"):
        cosignatures(add_signatures(NOTE, [line]), [parse_witness_key(witness.vkey)])


def test_every_byte_of_a_cosignature_matters() -> None:
    witness = SpecWitness()
    key = parse_witness_key(witness.vkey)
    line = witness.cosign(BODY, 1_700_000_000)
    blob = bytearray(base64.b64decode(line.split(" ")[-1]))
    for i in range(4, len(blob)):  # after the key id (a changed id is another, unknown key)
        changed = bytearray(blob)
        changed[i] ^= 0x01
        forged = f"\u2014 {witness.name} {base64.b64encode(changed).decode()}\n"
        with pytest.raises(CheckpointInvalid):
            cosignatures(add_signatures(NOTE, [forged]), [key])


def test_a_timestamp_beyond_2_63_is_refused() -> None:
    witness = SpecWitness()
    line = witness.cosign(BODY, 2**63)
    with pytest.raises(CheckpointInvalid):
        cosignatures(add_signatures(NOTE, [line]), [parse_witness_key(witness.vkey)])
    assert struct.unpack(">Q", base64.b64decode(line.split(" ")[-1])[4:12])[0] == 2**63


def test_witness_keys_are_type_0x04_and_their_key_id_is_checked() -> None:
    witness = SpecWitness()
    assert parse_witness_key(witness.vkey).vkey == witness.vkey
    public = witness.key.public_key().public_bytes_raw()
    with pytest.raises(CheckpointInvalid, match="type 0x04"):
        parse_witness_key(verifier_key(witness.name, public))  # an operator key, type 0x01
    name, _, key = witness.vkey.split("+", 2)
    with pytest.raises(CheckpointInvalid, match="expected key id"):
        parse_witness_key(f"{name}+{'0' * 8}+{key}")


def test_added_lines_keep_the_note_and_are_added_once() -> None:
    line = SpecWitness().cosign(BODY)
    once = add_signatures(NOTE, [line])
    assert once.startswith(NOTE) and once == NOTE + line
    assert add_signatures(once, [line, line.rstrip("\n")]) == once
    with pytest.raises(CheckpointInvalid):
        add_signatures(NOTE, ["not a signature line"])
