"""Proofs from the node store against a naive recursive RFC 9162 reference, for every tree size."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from functools import cache, partial
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import ConsistencyFailed, InvalidArgument, ProofInvalid
from ledger.transparency.merkle import (
    EMPTY_ROOT,
    CompactRange,
    MemoryNodeStore,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

MAX_SIZE = 300
LEAVES = [leaf_hash(i.to_bytes(4, "big")) for i in range(MAX_SIZE + 1)]
README = Path(__file__).resolve().parents[2] / "vectors" / "merkle" / "README.md"


# --- naive reference: RFC 9162 §2.1.1, §2.1.3.1 and §2.1.4.1, read straight off the RFC ---------


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


@cache
def ref_mth(begin: int, end: int) -> bytes:
    if end - begin == 0:
        return hashlib.sha256(b"").digest()
    if end - begin == 1:
        return LEAVES[begin]
    k = _k(end - begin)
    return node_hash(ref_mth(begin, begin + k), ref_mth(begin + k, end))


def ref_path(m: int, begin: int, end: int) -> list[bytes]:
    if end - begin == 1:
        return []
    k = _k(end - begin)
    if m < k:
        return [*ref_path(m, begin, begin + k), ref_mth(begin + k, end)]
    return [*ref_path(m - k, begin + k, end), ref_mth(begin, begin + k)]


def ref_subproof(m: int, begin: int, end: int, b: bool) -> list[bytes]:
    if m == end - begin:
        return [] if b else [ref_mth(begin, end)]
    k = _k(end - begin)
    if m <= k:
        return [*ref_subproof(m, begin, begin + k, b), ref_mth(begin + k, end)]
    return [*ref_subproof(m - k, begin + k, end, False), ref_mth(begin, begin + k)]


# --- the store under test ----------------------------------------------------------------------


def _build() -> tuple[MemoryNodeStore, list[bytes]]:
    store, tree, roots = MemoryNodeStore(), CompactRange(), [EMPTY_ROOT]
    for leaf in LEAVES:
        store.put(tree.append(leaf))
        roots.append(tree.root())
    return store, roots


STORE, COMPACT_ROOTS = _build()


def _flip(data: bytes, bit: int) -> bytes:
    flipped = bytearray(data)
    flipped[bit // 8] ^= 1 << (bit % 8)
    return bytes(flipped)


def _consistency_sizes() -> list[tuple[int, int]]:
    # Every pair up to 64 leaves, then every size2 with a spread of size1 values.
    pairs = [(m, n) for n in range(1, 65) for m in range(1, n + 1)]
    for n in range(65, MAX_SIZE + 1):
        picks = {1, 2, n // 2, n // 2 + 1, n - 1, n, *range(1, n, 37)}
        pairs.extend((m, n) for m in sorted(picks))
    return pairs


def test_compact_range_root_equals_naive_root_for_every_size() -> None:
    for n in range(MAX_SIZE + 1):
        assert COMPACT_ROOTS[n] == ref_mth(0, n) == root(n, STORE)


def test_eight_leaf_tree_roots_match_the_vector_readme() -> None:
    data = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657"]
    data.append("606162636465666768696a6b6c6d6e6f")
    expected = re.findall(r"^(\d) ([0-9a-f]{64})$", README.read_text(), re.MULTILINE)
    assert len(expected) == 9
    tree, store = CompactRange(), MemoryNodeStore()
    roots = [tree.root()]
    for item in data:
        store.put(tree.append(leaf_hash(bytes.fromhex(item))))
        roots.append(tree.root())
    assert [(str(n), r.hex()) for n, r in enumerate(roots)] == expected
    assert [root(n, store).hex() for n in range(9)] == [hex_ for _, hex_ in expected]


def test_append_stores_every_completed_node_once() -> None:
    tree, seen = CompactRange(), set[tuple[int, int]]()
    for n, leaf in enumerate(LEAVES[:64], start=1):
        nodes = tree.append(leaf)
        assert nodes[0] == (0, n - 1, leaf)
        keys = {(level, index) for level, index, _ in nodes}
        assert not keys & seen
        seen |= keys
        assert len(seen) == 2 * n - n.bit_count()


def test_compact_range_loaded_from_store_resumes_with_the_same_nodes() -> None:
    for n in range(MAX_SIZE):
        resumed = CompactRange.load(n, STORE)
        assert resumed.size == n and resumed.root() == COMPACT_ROOTS[n]
        for level, index, hash_ in resumed.append(LEAVES[n]):
            assert STORE(level, index) == hash_
        assert resumed.root() == COMPACT_ROOTS[n + 1]


def test_compact_range_with_wrong_edge_length_is_refused() -> None:
    with pytest.raises(InvalidArgument):
        CompactRange(3, [LEAVES[0]])


def test_every_inclusion_proof_matches_the_reference_and_verifies() -> None:
    for n in range(1, MAX_SIZE + 1):
        for i in range(n):
            proof = inclusion_proof(i, n, STORE)
            assert proof == ref_path(i, 0, n)
            verify_inclusion(LEAVES[i], i, n, proof, COMPACT_ROOTS[n])


def test_inclusion_proof_with_flipped_bit_is_rejected() -> None:
    for n in range(1, MAX_SIZE + 1):
        for i in range(0, n, 1 if n <= 64 else 7):
            proof = inclusion_proof(i, n, STORE)
            for position in range(len(proof)):
                bad = list(proof)
                bad[position] = _flip(proof[position], (i + 31 * position) % 256)
                with pytest.raises(ProofInvalid):
                    verify_inclusion(LEAVES[i], i, n, bad, COMPACT_ROOTS[n])
            with pytest.raises(ProofInvalid):
                verify_inclusion(LEAVES[i], i, n, proof, _flip(COMPACT_ROOTS[n], i % 256))
            with pytest.raises(ProofInvalid):
                verify_inclusion(_flip(LEAVES[i], n % 256), i, n, proof, COMPACT_ROOTS[n])


def test_inclusion_proof_for_another_index_is_rejected() -> None:
    for n in range(2, 65):
        for i in range(n):
            proof = inclusion_proof(i, n, STORE)
            for j in range(n + 1):
                if j != i:
                    with pytest.raises(ProofInvalid):
                        verify_inclusion(LEAVES[i], j, n, proof, COMPACT_ROOTS[n])


def test_inclusion_proof_checked_against_another_tree_size_is_rejected() -> None:
    for n in range(1, MAX_SIZE + 1):
        for i in range(0, n, 1 if n <= 64 else 5):
            proof = inclusion_proof(i, n, STORE)
            for other in {n - 1, n + 1, 2 * n, n // 2} - {n}:
                if i < other <= MAX_SIZE:
                    with pytest.raises(ProofInvalid):
                        verify_inclusion(LEAVES[i], i, other, proof, COMPACT_ROOTS[other])


@given(st.data())
def test_inclusion_proof_with_any_flipped_bit_is_rejected(data: st.DataObject) -> None:
    n = data.draw(st.integers(2, MAX_SIZE))
    i = data.draw(st.integers(0, n - 1))
    proof = inclusion_proof(i, n, STORE)
    position = data.draw(st.integers(0, len(proof) - 1))
    proof[position] = _flip(proof[position], data.draw(st.integers(0, 255)))
    with pytest.raises(ProofInvalid):
        verify_inclusion(LEAVES[i], i, n, proof, COMPACT_ROOTS[n])


@pytest.mark.parametrize(("index", "size"), [(0, 0), (3, 3), (-1, 3)])
def test_inclusion_proof_outside_the_tree_is_refused(index: int, size: int) -> None:
    with pytest.raises(InvalidArgument):
        inclusion_proof(index, size, STORE)


def test_consistency_proofs_match_the_reference_and_verify() -> None:
    for m, n in _consistency_sizes():
        proof = consistency_proof(m, n, STORE)
        assert proof == (ref_subproof(m, 0, n, True) if m < n else [])
        verify_consistency(m, n, proof, COMPACT_ROOTS[m], COMPACT_ROOTS[n])


def test_consistency_proof_with_flipped_bit_is_rejected() -> None:
    for m, n in _consistency_sizes():
        if m == n:
            continue
        proof = consistency_proof(m, n, STORE)
        for position in range(len(proof)):
            bad = list(proof)
            bad[position] = _flip(proof[position], (m + 31 * position) % 256)
            with pytest.raises(ConsistencyFailed):
                verify_consistency(m, n, bad, COMPACT_ROOTS[m], COMPACT_ROOTS[n])
        for root1, root2 in [
            (_flip(COMPACT_ROOTS[m], n % 256), COMPACT_ROOTS[n]),
            (COMPACT_ROOTS[m], _flip(COMPACT_ROOTS[n], m % 256)),
        ]:
            with pytest.raises(ConsistencyFailed):
                verify_consistency(m, n, proof, root1, root2)


def test_consistency_proof_checked_against_other_sizes_is_rejected() -> None:
    for m, n in _consistency_sizes():
        if m == n:
            continue
        proof = consistency_proof(m, n, STORE)
        for m2, n2 in {(m - 1, n), (m + 1, n), (m, n - 1), (m, n + 1), (m, 2 * n)} - {(m, n)}:
            if 0 < m2 <= n2 <= MAX_SIZE:
                with pytest.raises(ConsistencyFailed):
                    verify_consistency(m2, n2, proof, COMPACT_ROOTS[m2], COMPACT_ROOTS[n2])


@given(st.data())
def test_consistency_proof_with_any_flipped_bit_is_rejected(data: st.DataObject) -> None:
    n = data.draw(st.integers(2, MAX_SIZE))
    m = data.draw(st.integers(1, n - 1))
    proof = consistency_proof(m, n, STORE)
    position = data.draw(st.integers(0, len(proof) - 1))
    proof[position] = _flip(proof[position], data.draw(st.integers(0, 255)))
    with pytest.raises(ConsistencyFailed):
        verify_consistency(m, n, proof, COMPACT_ROOTS[m], COMPACT_ROOTS[n])


@pytest.mark.parametrize(("size1", "size2"), [(0, 5), (6, 5), (-1, 5)])
def test_consistency_proof_between_impossible_sizes_is_refused(size1: int, size2: int) -> None:
    with pytest.raises(InvalidArgument):
        consistency_proof(size1, size2, STORE)


def test_proofs_and_roots_read_a_logarithmic_number_of_nodes() -> None:
    reads: list[tuple[int, int]] = []

    def counting(level: int, index: int) -> bytes:
        reads.append((level, index))
        return STORE(level, index)

    def reads_of(call: Callable[[], object]) -> int:
        reads.clear()
        call()
        return len(reads)

    for n in range(1, MAX_SIZE + 1):
        bound = 2 * n.bit_length()
        assert reads_of(partial(root, n, counting)) <= bound
        assert reads_of(partial(inclusion_proof, n // 3, n, counting)) <= bound
        assert reads_of(partial(inclusion_proof, n - 1, n, counting)) <= bound
        assert reads_of(partial(consistency_proof, max(1, n // 3), n, counting)) <= bound
