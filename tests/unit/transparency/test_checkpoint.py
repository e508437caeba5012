"""C2SP tlog-checkpoint bodies and signed checkpoints."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.errors import CheckpointInvalid
from ledger.signing.c2sp import Verifier
from ledger.transparency.checkpoint import (
    Checkpoint,
    open_checkpoint,
    parse_checkpoint_body,
    sign_checkpoint,
)
from ledger.transparency.note import sign_note

ORIGIN = "registry.example/carbon-ledger"
ROOT = hashlib.sha256(b"root").digest()
# The example of https://c2sp.org/tlog-checkpoint.
SPEC_BODY = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
SPEC_SIGNATURE = (
    "\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Z"
    "hcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
)


def _key() -> tuple[Ed25519PrivateKey, Verifier]:
    private_key = Ed25519PrivateKey.generate()
    return private_key, Verifier(ORIGIN, private_key.public_key().public_bytes_raw())


def test_body_is_origin_size_and_base64_root_each_ending_in_newline() -> None:
    body = Checkpoint(ORIGIN, 5, bytes(32)).body()
    assert body == f"{ORIGIN}\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"


def test_spec_example_body_parses_and_serialises_to_the_same_text() -> None:
    checkpoint = parse_checkpoint_body(SPEC_BODY)
    assert (checkpoint.origin, checkpoint.size) == ("example.com/behind-the-sofa", 20852163)
    assert checkpoint.body() == SPEC_BODY


def test_extension_lines_round_trip() -> None:
    checkpoint = Checkpoint(ORIGIN, 0, ROOT, ("ext one", "ext two"))
    assert checkpoint.body().endswith("\next one\next two\n")
    assert parse_checkpoint_body(checkpoint.body()) == checkpoint


def test_origin_may_hold_spaces_and_plus_signs() -> None:
    body = Checkpoint("Moon Log+1", 1, ROOT).body()
    assert parse_checkpoint_body(body).origin == "Moon Log+1"


@pytest.mark.parametrize(
    "size_line", ["007", "+5", "-1", " 5", "5 ", "1_000", "\u0665", "", "18446744073709551616"]
)
def test_body_with_non_canonical_size_is_refused(size_line: str) -> None:
    with pytest.raises(CheckpointInvalid):
        parse_checkpoint_body(
            f"{ORIGIN}\n{size_line}\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
        )


def test_largest_uint64_size_is_accepted() -> None:
    body = Checkpoint(ORIGIN, 2**64 - 1, ROOT).body()
    assert parse_checkpoint_body(body).size == 2**64 - 1


@pytest.mark.parametrize(
    "body",
    [
        SPEC_BODY.replace("q2I=", "q2J="),
        SPEC_BODY.replace("q2I=", "q2I"),
        SPEC_BODY.replace("q2I=", "q2I= "),
        SPEC_BODY.replace("Cs", "C-"),
        "example.com/behind-the-sofa\n20852163\nYmFuYW5hcw==\n",
        f"{ORIGIN}\n1\n{'A' * 44}AAAA\n",
        f"{ORIGIN}\n1\n\n",
        f"{ORIGIN}\n1\n",
        SPEC_BODY[:-1],
        "\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
        SPEC_BODY + "\n",
        SPEC_BODY + "ext\n\n",
        SPEC_BODY.replace("\n", "\r\n"),
        SPEC_BODY + "tab\there\n",
    ],
    ids=[
        "non-canonical-base64",
        "unpadded-base64",
        "trailing-space",
        "not-base64",
        "short-hash",
        "long-hash",
        "empty-root",
        "missing-root",
        "no-final-newline",
        "empty-origin",
        "empty-extension",
        "empty-line-after-extension",
        "crlf",
        "control-character",
    ],
)
def test_malformed_body_is_refused(body: str) -> None:
    with pytest.raises(CheckpointInvalid):
        parse_checkpoint_body(body)


@pytest.mark.parametrize(
    ("origin", "size", "root_hash"),
    [
        ("", 1, ROOT),
        ("a\nb", 1, ROOT),
        (ORIGIN, -1, ROOT),
        (ORIGIN, 2**64, ROOT),
        (ORIGIN, 1, b"x"),
    ],
)
def test_checkpoint_with_invalid_fields_cannot_be_built(
    origin: str, size: int, root_hash: bytes
) -> None:
    with pytest.raises(CheckpointInvalid):
        Checkpoint(origin, size, root_hash)


def test_signed_checkpoint_opens_to_the_same_checkpoint() -> None:
    private_key, verifier = _key()
    checkpoint = Checkpoint(ORIGIN, 42, ROOT, ("extension",))
    note = sign_checkpoint(checkpoint, ORIGIN, private_key)
    assert note.startswith(checkpoint.body() + "\n\u2014 " + ORIGIN + " ")
    assert open_checkpoint(note, [verifier], origin=ORIGIN) == checkpoint


def test_checkpoint_signed_by_an_untrusted_key_is_refused() -> None:
    private_key, _ = _key()
    _, other_verifier = _key()
    note = sign_checkpoint(Checkpoint(ORIGIN, 42, ROOT), ORIGIN, private_key)
    with pytest.raises(CheckpointInvalid, match="trusted key"):
        open_checkpoint(note, [other_verifier])


def test_spec_example_checkpoint_without_its_key_is_refused() -> None:
    _, verifier = _key()
    with pytest.raises(CheckpointInvalid, match="trusted key"):
        open_checkpoint(SPEC_BODY + "\n" + SPEC_SIGNATURE, [verifier])


def test_witness_cosignature_from_an_unknown_key_is_ignored() -> None:
    private_key, verifier = _key()
    witness = Ed25519PrivateKey.generate()
    body = Checkpoint(ORIGIN, 7, ROOT).body()
    cosignature = sign_note(body, "witness.example", witness).split("\n\n")[-1]
    note = sign_checkpoint(Checkpoint(ORIGIN, 7, ROOT), ORIGIN, private_key) + cosignature
    assert open_checkpoint(note, [verifier]).size == 7


def test_checkpoint_from_another_origin_is_refused() -> None:
    private_key, verifier = _key()
    note = sign_checkpoint(Checkpoint("other.example/log", 1, ROOT), ORIGIN, private_key)
    with pytest.raises(CheckpointInvalid, match="origin"):
        open_checkpoint(note, [verifier], origin=ORIGIN)


def test_signed_checkpoint_with_a_malformed_body_is_refused() -> None:
    private_key, verifier = _key()
    note = sign_note(f"{ORIGIN}\n007\n{'A' * 43}=\n", ORIGIN, private_key)
    with pytest.raises(CheckpointInvalid, match="leading zeros"):
        open_checkpoint(note, [verifier])


def test_every_single_byte_change_of_a_signed_checkpoint_is_refused() -> None:
    private_key, verifier = _key()
    note = sign_checkpoint(Checkpoint(ORIGIN, 1234, ROOT, ("ext",)), ORIGIN, private_key).encode()
    assert open_checkpoint(note, [verifier]).size == 1234
    for position in range(len(note)):
        for mask in (0x01, 0x20, 0x80):
            changed = bytearray(note)
            changed[position] ^= mask
            with pytest.raises(CheckpointInvalid):
                open_checkpoint(bytes(changed), [verifier])
