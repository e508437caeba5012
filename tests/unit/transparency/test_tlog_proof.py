"""C2SP tlog-proof@v1 text: format, strict parsing, and end-to-end verification."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.errors import CheckpointInvalid, ProofInvalid
from ledger.signing.c2sp import Verifier
from ledger.transparency.checkpoint import Checkpoint, sign_checkpoint
from ledger.transparency.merkle import CompactRange, MemoryNodeStore, inclusion_proof, leaf_hash
from ledger.transparency.tlog_proof import (
    TlogProof,
    format_tlog_proof,
    parse_tlog_proof,
    verify_tlog_proof,
)

ORIGIN = "registry.example/carbon-ledger"
HASH_1 = hashlib.sha256(b"hash1").digest()
HASH_2 = hashlib.sha256(b"hash2").digest()
CHECKPOINT = f"{ORIGIN}\n10\n{'A' * 43}=\n\n\u2014 {ORIGIN} c2ln\n"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _signed_log(size: int) -> tuple[MemoryNodeStore, str, Verifier]:
    private_key = Ed25519PrivateKey.generate()
    store, tree = MemoryNodeStore(), CompactRange()
    for i in range(size):
        store.put(tree.append(leaf_hash(f"event {i}".encode())))
    note = sign_checkpoint(Checkpoint(ORIGIN, size, tree.root()), ORIGIN, private_key)
    return store, note, Verifier(ORIGIN, private_key.public_key().public_bytes_raw())


def test_proof_is_header_index_hashes_blank_line_and_checkpoint() -> None:
    text = format_tlog_proof(5, [HASH_1, HASH_2], CHECKPOINT)
    assert text == (
        f"c2sp.org/tlog-proof@v1\nindex 5\n{_b64(HASH_1)}\n{_b64(HASH_2)}\n\n{CHECKPOINT}"
    )


def test_extra_data_goes_on_the_second_line() -> None:
    text = format_tlog_proof(10, [HASH_1], CHECKPOINT, extra=b"extra information")
    assert text.split("\n")[1:3] == [f"extra {_b64(b'extra information')}", "index 10"]


@pytest.mark.parametrize("extra", [None, b"", b"\x00vrf proof"])
@pytest.mark.parametrize("hashes", [(), (HASH_1,), (HASH_1, HASH_2)])
def test_proof_round_trips(extra: bytes | None, hashes: tuple[bytes, ...]) -> None:
    text = format_tlog_proof(7, hashes, CHECKPOINT, extra)
    assert parse_tlog_proof(text) == TlogProof(7, hashes, CHECKPOINT, extra)


def test_checkpoint_is_kept_verbatim() -> None:
    assert parse_tlog_proof(format_tlog_proof(0, [], CHECKPOINT)).checkpoint == CHECKPOINT


@pytest.mark.parametrize(
    "text",
    [
        f"wrong-header\nindex 0\n\n{CHECKPOINT}",
        f"c2sp.org/tlog-proof@v2\nindex 0\n\n{CHECKPOINT}",
        f"c2sp.org/tlog-proof@v1\nextra !!notbase64!!\nindex 0\n\n{CHECKPOINT}",
        f"c2sp.org/tlog-proof@v1\n\n\n{CHECKPOINT}",
        f"c2sp.org/tlog-proof@v1\nindex notanumber\n\n{CHECKPOINT}",
        f"c2sp.org/tlog-proof@v1\nindex -5\n\n{CHECKPOINT}",
        f"c2sp.org/tlog-proof@v1\nindex 05\n\n{CHECKPOINT}",
        f"c2sp.org/tlog-proof@v1\nindex 18446744073709551616\n\n{CHECKPOINT}",
        f"c2sp.org/tlog-proof@v1\nindex  5\n\n{CHECKPOINT}",
        f"c2sp.org/tlog-proof@v1\nindex 0\n!!notbase64!!\n\n{CHECKPOINT}",
        f"c2sp.org/tlog-proof@v1\nindex 0\n{_b64(bytes(64))}\n\n{CHECKPOINT}",
        f"c2sp.org/tlog-proof@v1\nindex 0\n{_b64(HASH_1)[:-1]}\n\n{CHECKPOINT}",
        f"c2sp.org/tlog-proof@v1\nindex 0\nextra {_b64(b'x')}\n\n{CHECKPOINT}",
        f"c2sp.org/tlog-proof@v1\nindex 0\n{_b64(HASH_1)}\n",
        "c2sp.org/tlog-proof@v1\nindex 0\n\n",
        f"c2sp.org/tlog-proof@v1\r\nindex 0\r\n\r\n{CHECKPOINT}",
    ],
    ids=[
        "missing-header",
        "other-version",
        "extra-not-base64",
        "missing-index",
        "index-not-a-number",
        "negative-index",
        "index-leading-zero",
        "index-over-uint64",
        "index-two-spaces",
        "hash-not-base64",
        "hash-too-long",
        "hash-unpadded",
        "extra-after-index",
        "no-checkpoint",
        "empty-checkpoint",
        "crlf",
    ],
)
def test_malformed_proof_is_rejected(text: str) -> None:
    with pytest.raises(ProofInvalid):
        parse_tlog_proof(text)


def test_formatting_a_proof_with_a_short_hash_is_refused() -> None:
    with pytest.raises(ProofInvalid):
        format_tlog_proof(0, [b"short"], CHECKPOINT)


def test_proof_from_the_log_verifies_for_every_leaf() -> None:
    store, note, verifier = _signed_log(13)
    for i in range(13):
        text = format_tlog_proof(i, inclusion_proof(i, 13, store), note)
        checkpoint = verify_tlog_proof(
            parse_tlog_proof(text), leaf_hash(f"event {i}".encode()), [verifier], ORIGIN
        )
        assert checkpoint.size == 13


def test_proof_for_another_leaf_is_rejected() -> None:
    store, note, verifier = _signed_log(13)
    proof = parse_tlog_proof(format_tlog_proof(4, inclusion_proof(4, 13, store), note))
    with pytest.raises(ProofInvalid):
        verify_tlog_proof(proof, leaf_hash(b"event 5"), [verifier], ORIGIN)


def test_proof_with_a_changed_hash_is_rejected() -> None:
    store, note, verifier = _signed_log(13)
    hashes = inclusion_proof(4, 13, store)
    hashes[1] = hashlib.sha256(hashes[1]).digest()
    proof = parse_tlog_proof(format_tlog_proof(4, hashes, note))
    with pytest.raises(ProofInvalid):
        verify_tlog_proof(proof, leaf_hash(b"event 4"), [verifier], ORIGIN)


def test_proof_under_an_untrusted_checkpoint_is_rejected() -> None:
    store, note, _ = _signed_log(13)
    _, _, stranger = _signed_log(1)
    proof = parse_tlog_proof(format_tlog_proof(4, inclusion_proof(4, 13, store), note))
    with pytest.raises(CheckpointInvalid):
        verify_tlog_proof(proof, leaf_hash(b"event 4"), [stranger], ORIGIN)


def test_proof_under_another_logs_checkpoint_is_rejected() -> None:
    store, note, verifier = _signed_log(13)
    proof = parse_tlog_proof(format_tlog_proof(4, inclusion_proof(4, 13, store), note))
    with pytest.raises(CheckpointInvalid, match="origin"):
        verify_tlog_proof(proof, leaf_hash(b"event 4"), [verifier], "other.example/log")
