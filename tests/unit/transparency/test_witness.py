"""The ledger's tlog-witness client against the tests' witness (spoken to without HTTP here;
tests/e2e/test_witness.py goes through HTTP), and that witness's own consistency check held
to the ledger's proofs."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.errors import LogRolledBack, WitnessRefused, WitnessUnavailable
from ledger.signing.c2sp import verifier_key
from ledger.transparency.checkpoint import Checkpoint, sign_checkpoint
from ledger.transparency.cosignature import cosignatures, parse_witness_key
from ledger.transparency.merkle import (
    CompactRange,
    MemoryNodeStore,
    consistency_proof,
    leaf_hash,
)
from ledger.transparency.note import add_signatures
from ledger.transparency.witness import ask, request_body
from tests.support.witness import SpecWitness, consistent

ORIGIN = "registry.example/carbon-ledger"
KEY = Ed25519PrivateKey.generate()
LOG_VKEY = verifier_key("operator", KEY.public_key().public_bytes_raw())


class Log:
    """An in-memory log: leaves appended, checkpoints signed, proofs from any size."""

    def __init__(self, seed: bytes = b"") -> None:
        self.tree, self.nodes, self.roots = CompactRange(), MemoryNodeStore(), [b""]
        self.seed = seed

    def grow(self, to: int) -> tuple[str, Checkpoint]:
        while self.tree.size < to:
            self.nodes.put(self.tree.append(leaf_hash(self.seed + bytes([self.tree.size]))))
            self.roots.append(self.tree.root())
        checkpoint = Checkpoint(ORIGIN, to, self.roots[to])
        return sign_checkpoint(checkpoint, "operator", KEY), checkpoint

    def prover(self, size: int) -> Callable[[int], list[bytes]]:
        return lambda old: consistency_proof(old, size, self.nodes)


def witness() -> SpecWitness:
    w = SpecWitness()
    w.follow(ORIGIN, LOG_VKEY)
    return w


def test_the_tests_witness_checks_consistency_as_the_ledger_proves_it() -> None:
    log = Log()
    log.grow(40)
    for new in range(1, 41):
        for old in range(1, new + 1):
            proof = consistency_proof(old, new, log.nodes)
            assert consistent(old, new, proof, log.roots[old], log.roots[new]), (old, new)
            if proof:
                assert not consistent(old, new, proof[:-1], log.roots[old], log.roots[new])
            assert not consistent(old, new, proof, log.roots[old], log.roots[new - 1])


def test_a_first_checkpoint_is_cosigned_and_the_line_verifies() -> None:
    w, log = witness(), Log()
    note, checkpoint = log.grow(5)
    lines = ask("w", w.add_checkpoint, note, checkpoint, log.prover(5), 0,
                [parse_witness_key(w.vkey)])
    assert len(cosignatures(add_signatures(note, lines), [parse_witness_key(w.vkey)])) == 1
    assert w.latest[ORIGIN] == (5, checkpoint.root_hash)


def test_a_wrong_guess_is_corrected_from_the_size_the_witness_says() -> None:
    w, log = witness(), Log()
    trusted = [parse_witness_key(w.vkey)]
    statuses: list[int] = []

    def post(body: bytes) -> tuple[int, str, bytes]:
        answer = w.add_checkpoint(body)
        statuses.append(answer[0])
        return answer

    for size in (3, 9, 17):
        note, checkpoint = log.grow(size)
        ask("w", post, note, checkpoint, log.prover(size), 1, trusted)  # always guessing 1
    assert statuses == [409, 200, 409, 200, 409, 200] and w.latest[ORIGIN][0] == 17
    note, checkpoint = log.grow(17)  # the same head again: cosigned again, no proof needed
    assert ask("w", post, note, checkpoint, log.prover(17), 17, trusted)
    assert statuses[-1] == 200


def test_a_witness_that_saw_a_larger_tree_catches_the_rollback() -> None:
    w, log = witness(), Log()
    trusted = [parse_witness_key(w.vkey)]
    note, checkpoint = log.grow(20)
    ask("w", w.add_checkpoint, note, checkpoint, log.prover(20), 0, trusted)
    restored = Log()  # the store went back to 12 leaves
    note, checkpoint = restored.grow(12)
    with pytest.raises(LogRolledBack, match=r"cosigned tree size 20 .* larger than .* 12"):
        ask("w", w.add_checkpoint, note, checkpoint, restored.prover(12), 0, trusted)


def test_a_witness_that_saw_other_leaves_catches_the_rewrite() -> None:
    w, log = witness(), Log()
    trusted = [parse_witness_key(w.vkey)]
    note, checkpoint = log.grow(20)
    ask("w", w.add_checkpoint, note, checkpoint, log.prover(20), 0, trusted)
    forked = Log(seed=b"x")  # same sizes, other events
    for size, message in ((20, "another root at tree size 20"),
                          (25, "does not extend tree size 20")):
        note, checkpoint = forked.grow(size)
        with pytest.raises(LogRolledBack, match=message):
            ask("w", w.add_checkpoint, note, checkpoint, forked.prover(size), 20, trusted)


def test_refusals_name_what_the_witness_must_be_told() -> None:
    log = Log()
    note, checkpoint = log.grow(4)
    stranger = SpecWitness()  # follows no log
    with pytest.raises(WitnessRefused, match="does not know the log"):
        ask("w", stranger.add_checkpoint, note, checkpoint, log.prover(4), 0, [])
    other_key = SpecWitness()
    other_key.follow(ORIGIN, verifier_key(
        "operator", Ed25519PrivateKey.generate().public_key().public_bytes_raw()))
    with pytest.raises(WitnessRefused, match="does not trust the operator's key"):
        ask("w", other_key.add_checkpoint, note, checkpoint, log.prover(4), 0, [])


def test_cosignatures_by_keys_not_trusted_are_not_taken() -> None:
    w, log = witness(), Log()
    note, checkpoint = log.grow(4)
    with pytest.raises(WitnessUnavailable, match="expected a cosignature by a trusted"):
        ask("w", w.add_checkpoint, note, checkpoint, log.prover(4), 0,
            [parse_witness_key(SpecWitness(name="other/w").vkey)])


@pytest.mark.parametrize(("status", "content_type", "body", "error"), [
    (500, "text/plain", b"oops", WitnessUnavailable),
    (200, "text/plain", b"\xff\xfe", WitnessUnavailable),
    (200, "text/plain", b"not a signature\n", WitnessUnavailable),
    (409, "text/x.tlog.size", b"07\n", WitnessUnavailable),
    (409, "text/x.tlog.size", b"3", WitnessUnavailable),
    (409, "text/x.tlog.size", b"99\n", LogRolledBack),
    (400, "text/plain", b"", WitnessRefused),
])
def test_answers_outside_the_protocol_are_one_clean_error(
        status: int, content_type: str, body: bytes, error: type[Exception]) -> None:
    log = Log()
    note, checkpoint = log.grow(4)
    with pytest.raises(error):
        ask("w", lambda _: (status, content_type, body), note, checkpoint, log.prover(4), 0,
            [parse_witness_key(SpecWitness().vkey)])


def test_the_request_body_is_the_specs() -> None:
    body = request_body(20852014, [b"\x00" * 32], "o\n1\nAA==\n\n\u2014 k AAAA\n")
    assert body.decode() == ("old 20852014\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n"
                             "o\n1\nAA==\n\n\u2014 k AAAA\n")
    with pytest.raises(ValueError):
        request_body(1, [b"\x00" * 32] * 64, "")
