"""C2SP signed notes, checked against the known answers of Go's golang.org/x/mod/sumdb/note."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.errors import CheckpointInvalid, InvalidArgument
from ledger.signing.c2sp import Verifier, key_id, parse_verifier_key, verifier_key
from ledger.transparency.note import MAX_SIGNATURES, open_note, sign_note

# From golang.org/x/mod/sumdb/note (note.go package docs and note_test.go).
PETER_SIGNER = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_KEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_KEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_SIG = (
    "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngot"
    "pRZb6KE6RyyBwJnAM=\n"
)
ENOCH_SIG = (
    "\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLo"
    "x33WWd1RvMc+QQ=\n"
)
PETER = parse_verifier_key(PETER_KEY)
ENOCH = parse_verifier_key(ENOCH_KEY)


def _peter_private_key() -> Ed25519PrivateKey:
    seed = base64.b64decode(PETER_SIGNER.split("+", 4)[4])
    assert seed[0] == 0x01
    return Ed25519PrivateKey.from_private_bytes(seed[1:])


def test_signing_the_go_example_gives_the_go_note_byte_for_byte() -> None:
    assert sign_note(TEXT, "PeterNeumann", _peter_private_key()) == TEXT + "\n" + PETER_SIG


def test_key_id_and_verifier_key_match_the_go_example() -> None:
    public_key = _peter_private_key().public_key().public_bytes_raw()
    assert key_id("PeterNeumann", public_key).hex() == "c74f20a3"
    assert verifier_key("PeterNeumann", public_key) == PETER_KEY
    assert (PETER.name, PETER.key_id.hex(), PETER.public_key) == (
        "PeterNeumann",
        "c74f20a3",
        public_key,
    )


def test_go_signed_note_opens_with_its_verifier_key() -> None:
    assert open_note(TEXT + "\n" + PETER_SIG, [PETER]) == TEXT


def test_note_bytes_open_like_text() -> None:
    assert open_note((TEXT + "\n" + PETER_SIG).encode(), [PETER]) == TEXT


def test_signature_from_unknown_key_is_ignored() -> None:
    assert open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, [PETER]) == TEXT
    assert open_note(TEXT + "\n" + ENOCH_SIG + PETER_SIG, [PETER, ENOCH]) == TEXT


def test_note_signed_only_by_unknown_keys_is_rejected() -> None:
    with pytest.raises(CheckpointInvalid, match="trusted key"):
        open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, [])
    with pytest.raises(CheckpointInvalid, match="trusted key"):
        open_note(TEXT + "\n" + ENOCH_SIG, [PETER])


def test_signature_sharing_only_the_name_or_only_the_id_of_a_trusted_key_is_ignored() -> None:
    other_id = PETER_SIG.replace("x08g", "xxxx")
    other_name = PETER_SIG.replace("PeterNeumann", "CarmenSandiego")
    assert open_note(TEXT + "\n" + PETER_SIG + other_id + other_name, [PETER]) == TEXT
    with pytest.raises(CheckpointInvalid, match="trusted key"):
        open_note(TEXT + "\n" + other_id + other_name, [PETER])


def test_failing_signature_from_trusted_key_rejects_the_whole_note() -> None:
    bad = PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    with pytest.raises(CheckpointInvalid, match="fails"):
        open_note(TEXT + "\n" + bad, [PETER])
    with pytest.raises(CheckpointInvalid, match="fails"):
        open_note(TEXT + "\n" + PETER_SIG + bad, [PETER])


def test_note_with_changed_text_is_rejected() -> None:
    with pytest.raises(CheckpointInvalid):
        open_note(TEXT.replace("problem", "Problem", 1) + "\n" + PETER_SIG, [PETER])


def test_repeated_valid_signatures_are_accepted_up_to_the_limit() -> None:
    assert open_note(TEXT + "\n" + PETER_SIG * MAX_SIGNATURES, [PETER]) == TEXT


def test_note_with_too_many_signatures_is_rejected() -> None:
    with pytest.raises(CheckpointInvalid, match="at most"):
        open_note(TEXT + "\n" + PETER_SIG * (MAX_SIGNATURES + 1), [PETER])


@pytest.mark.parametrize(
    "note",
    [
        TEXT,
        TEXT + "\n",
        TEXT + "\n" + PETER_SIG[:-1],
        "\x01" + TEXT + "\n" + PETER_SIG,
        TEXT + "\n" + PETER_SIG.replace("PeterNeumann", "Bad Name"),
        TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
        TEXT + "\n" + PETER_SIG + "\n",
        TEXT + "\n" + PETER_SIG.replace("\u2014", "-"),
        TEXT + "\n" + PETER_SIG.replace("\u2014 ", "\u2014  "),
        TEXT + "\n" + PETER_SIG.replace("AM=", "AN="),
        TEXT + "\n" + PETER_SIG.replace("AM=", "AM"),
        TEXT + "\n" + "\u2014 PeterNeumann xw==\n",
        (TEXT + "\n" + PETER_SIG).replace("\n", "\r\n"),
        "\ud800" + TEXT + "\n" + PETER_SIG,
    ],
    ids=[
        "no-signatures",
        "blank-line-only",
        "no-final-newline",
        "control-character",
        "space-in-key-name",
        "line-after-signatures",
        "blank-line-after-signatures",
        "hyphen-for-em-dash",
        "two-spaces",
        "non-canonical-base64",
        "unpadded-base64",
        "signature-shorter-than-key-id",
        "crlf",
        "lone-surrogate",
    ],
)
def test_malformed_note_is_rejected(note: str) -> None:
    with pytest.raises(CheckpointInvalid):
        open_note(note, [PETER])


def test_note_that_is_not_utf8_is_rejected() -> None:
    with pytest.raises(CheckpointInvalid, match="UTF-8"):
        open_note(b"\xff" + (TEXT + "\n" + PETER_SIG).encode(), [PETER])


def test_text_with_blank_lines_round_trips() -> None:
    text = "first\n\n\u2014 not a signature\n\nlast\n\n"
    key = Ed25519PrivateKey.generate()
    verifier = Verifier("example.com/log", key.public_key().public_bytes_raw())
    assert open_note(sign_note(text, "example.com/log", key), [verifier]) == text


@pytest.mark.parametrize("text", ["no newline", "", "tab\there\n", "nul\x00\n"])
def test_signing_text_that_would_make_a_malformed_note_is_refused(text: str) -> None:
    with pytest.raises(InvalidArgument):
        sign_note(text, "PeterNeumann", _peter_private_key())


@pytest.mark.parametrize("name", ["", "a+b", "bad name", "nbsp\u00a0name", "new\nline"])
def test_signing_with_an_invalid_key_name_is_refused(name: str) -> None:
    with pytest.raises(InvalidArgument):
        sign_note(TEXT, name, _peter_private_key())


def test_every_substring_and_changed_byte_of_a_verifier_key_is_refused() -> None:
    # The manglings of Go's TestNewVerifier.
    key = PETER_KEY
    for i in range(len(key)):
        for j in range(i + 1, len(key) + 1):
            if (i, j) != (0, len(key)):
                with pytest.raises(CheckpointInvalid):
                    parse_verifier_key(key[i:j])
        with pytest.raises(CheckpointInvalid):
            parse_verifier_key(key[:i] + chr(ord(key[i]) + 1) + key[i + 1 :])


@pytest.mark.parametrize(
    "text",
    [
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ],
    ids=["wrong-key-length", "unknown-algorithm", "uppercase-key-id"],
)
def test_verifier_key_with_wrong_length_algorithm_or_spelling_is_refused(text: str) -> None:
    with pytest.raises(CheckpointInvalid):
        parse_verifier_key(text)


@pytest.mark.parametrize(("name", "size"), [("bad name", 32), ("a+b", 32), ("PeterNeumann", 31)])
def test_verifier_key_for_a_bad_name_or_key_length_is_refused(name: str, size: int) -> None:
    with pytest.raises(InvalidArgument):
        verifier_key(name, bytes(size))


def test_verifier_refuses_a_public_key_of_the_wrong_length() -> None:
    with pytest.raises(CheckpointInvalid):
        Verifier("PeterNeumann", PETER.public_key[:31])
