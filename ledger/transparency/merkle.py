"""RFC 6962 / RFC 9162 Merkle tree: hashing, complete-subtree storage, proofs, verification.

Storage model: the log keeps the hash of every complete (perfect) subtree. Node (level L, index i)
covers leaves [i * 2**L, (i + 1) * 2**L); level 0 holds the leaf hashes. Roots and proofs read
O(log n) nodes through a :data:`NodeReader`. A subtree that is not perfect (on the right edge of a
tree whose size is not a power of two) is never stored: its hash is folded from the perfect
subtrees that make it up, so a node, once written, never changes.

The verification half (:func:`root_from_inclusion_proof`, :func:`verify_inclusion`,
:func:`verify_consistency`) needs nothing but :mod:`hashlib`. Its steps are numbered as in
RFC 9162 §2.1.3.2 and §2.1.4.2, and every failure raises: nothing returns False.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence

from ledger.errors import ConsistencyFailed, InvalidArgument, ProofInvalid

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

NodeReader = Callable[[int, int], bytes]
"""Returns the stored hash of the perfect subtree at (level, index); level 0 is the leaf hashes."""

Node = tuple[int, int, bytes]


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162 §2.1.1 leaf hash: SHA-256(0x00 || data)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 §2.1.1 interior node hash: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(size: int) -> int:
    """The largest power of two smaller than ``size`` (> 1): where RFC 9162 splits a tree."""
    return 1 << ((size - 1).bit_length() - 1)


def _perfect_subtrees(begin: int, end: int) -> Iterator[tuple[int, int]]:
    """(level, index) of the perfect subtrees that cover leaves [begin, end), largest first.

    ``begin`` must be a multiple of a power of two at least ``end - begin``, as it is for every
    range the RFC recursion visits and for [0, size): then the parts are the set bits of the size.
    """
    size = end - begin
    for level in reversed(range(size.bit_length())):
        if size >> level & 1:
            yield level, begin >> level
            begin += 1 << level


def _fold(hashes: Sequence[bytes]) -> bytes:
    # Perfect subtrees shrinking left to right hash as RFC 9162 does: each one is the left child
    # of the hash of everything to its right.
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def _range_hash(begin: int, end: int, reader: NodeReader) -> bytes:
    """MTH(D[begin:end]), for an aligned range (see :func:`_perfect_subtrees`)."""
    return _fold([reader(level, index) for level, index in _perfect_subtrees(begin, end)])


def root(size: int, reader: NodeReader) -> bytes:
    """The RFC 9162 root hash MTH(D[0:size]), read from at most log2(size) + 1 stored nodes."""
    if size < 0:
        raise InvalidArgument(f"expected a tree size of at least 0, found {size}")
    return _range_hash(0, size, reader) if size else EMPTY_ROOT


def inclusion_proof(index: int, size: int, reader: NodeReader) -> list[bytes]:
    """RFC 9162 §2.1.3.1 PATH(index, D[0:size]): sibling hashes from the leaf up to the root."""
    if not 0 <= index < size:
        raise InvalidArgument(f"expected a leaf index below the tree size {size}, found {index}")
    return _path(index, 0, size, reader)


def _path(m: int, begin: int, end: int, reader: NodeReader) -> list[bytes]:
    if end - begin == 1:
        return []
    k = _split(end - begin)
    if m < k:
        return [*_path(m, begin, begin + k, reader), _range_hash(begin + k, end, reader)]
    return [*_path(m - k, begin + k, end, reader), _range_hash(begin, begin + k, reader)]


def consistency_proof(size1: int, size2: int, reader: NodeReader) -> list[bytes]:
    """RFC 9162 §2.1.4.1 PROOF(size1, D[0:size2]); empty when the sizes are equal.

    A proof from the empty tree proves nothing, so ``size1`` must be at least 1.
    """
    if not 0 < size1 <= size2:
        raise InvalidArgument(f"expected 0 < size1 <= size2, found size1={size1} size2={size2}")
    return _subproof(size1, 0, size2, True, reader)


def _subproof(m: int, begin: int, end: int, whole: bool, reader: NodeReader) -> list[bytes]:
    if m == end - begin:
        return [] if whole else [_range_hash(begin, end, reader)]
    k = _split(end - begin)
    if m <= k:
        return [*_subproof(m, begin, begin + k, whole, reader), _range_hash(begin + k, end, reader)]
    return [*_subproof(m - k, begin + k, end, False, reader), _range_hash(begin, begin + k, reader)]


class CompactRange:
    """The right edge of a growing tree: the perfect subtrees covering [0, size), largest first.

    A single writer appends leaf hashes and stores the nodes each append completes; after a
    restart it resumes with :meth:`load`, which reads only the edge (one node per set bit of size).
    """

    def __init__(self, size: int = 0, edge: Sequence[bytes] = ()) -> None:
        if size < 0 or len(edge) != size.bit_count():
            expected = max(size, 0).bit_count()
            raise InvalidArgument(
                f"expected {expected} edge hashes for size {size}, found {len(edge)}"
            )
        self._size = size
        self._edge = list(edge)

    @classmethod
    def load(cls, size: int, reader: NodeReader) -> CompactRange:
        """Resume the edge of a stored tree of ``size`` leaves."""
        return cls(size, [reader(level, index) for level, index in _perfect_subtrees(0, size)])

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return self._size

    @property
    def edge(self) -> tuple[bytes, ...]:
        """The hashes of the perfect subtrees over the leaves so far, largest first: all a
        range needs to resume (``CompactRange(size, edge)``)."""
        return tuple(self._edge)

    def append(self, leaf: bytes) -> list[Node]:
        """Add one leaf hash; return every node it completes, the leaf itself first, to store."""
        _require_hash("leaf hash", leaf, InvalidArgument)
        level, index, current = 0, self._size, leaf
        completed = [(level, index, current)]
        while index & 1:  # a right child completes its parent, with the left child on the edge
            current = node_hash(self._edge.pop(), current)
            level, index = level + 1, index >> 1
            completed.append((level, index, current))
        self._edge.append(current)
        self._size += 1
        return completed

    def root(self) -> bytes:
        """The RFC 9162 root hash of the leaves appended so far."""
        return _fold(self._edge) if self._edge else EMPTY_ROOT


class MemoryNodeStore:
    """Perfect-subtree hashes in a dict; a :data:`NodeReader` for tests and audit recomputation."""

    def __init__(self) -> None:
        self._nodes: dict[tuple[int, int], bytes] = {}

    def put(self, nodes: Iterable[Node]) -> None:
        """Store nodes as returned by :meth:`CompactRange.append`."""
        for level, index, hash_ in nodes:
            self._nodes[level, index] = hash_

    def __call__(self, level: int, index: int) -> bytes:
        return self._nodes[level, index]


def _require_hash(what: str, value: bytes, error: type[Exception]) -> None:
    if len(value) != HASH_SIZE:
        raise error(f"expected the {what} to be {HASH_SIZE} bytes, found {len(value)}")


def _wrong_path_length(index: int, size: int, proof: Sequence[bytes]) -> ProofInvalid:
    # Levels below the point where the paths to index and to size - 1 part, plus one left
    # sibling per set bit above it.
    inner = (index ^ (size - 1)).bit_length()
    expected = inner + (index >> inner).bit_count()
    return ProofInvalid(
        f"expected {expected} proof hashes for leaf {index} of a tree of size {size}, "
        f"found {len(proof)}"
    )


def root_from_inclusion_proof(leaf: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """The root hash that ``proof`` yields for ``leaf`` at ``index``; raises ProofInvalid.

    RFC 9162 §2.1.3.2. The caller must still compare the result with a trusted root.
    """
    _require_hash("leaf hash", leaf, ProofInvalid)
    for position, hash_ in enumerate(proof):
        _require_hash(f"proof hash {position}", hash_, ProofInvalid)
    # 1. leaf_index must be below tree_size.
    if not 0 <= index < size:
        raise ProofInvalid(f"expected a leaf index below the tree size {size}, found {index}")
    # 2. fn = leaf_index, sn = tree_size - 1.  3. r = hash.
    fn, sn, r = index, size - 1, leaf
    # 4. For each value p in the inclusion_path:
    for p in proof:
        # 4a. sn reaching 0 first means the proof is too long.
        if sn == 0:
            raise _wrong_path_length(index, size, proof)
        # 4b. p is a left sibling when fn is a right child or on the right edge.
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            # 4b.ii. Skip the levels where fn's subtree has no right sibling.
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        # 4c.
        fn, sn = fn >> 1, sn >> 1
    # 5. sn must be 0 (the path reached the root); the root comparison is the caller's.
    if sn != 0:
        raise _wrong_path_length(index, size, proof)
    return r


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root_hash: bytes
) -> None:
    """Check that ``leaf`` is at ``index`` in the tree of ``size`` with ``root_hash``.

    RFC 9162 §2.1.3.2; returns nothing, raises ProofInvalid.
    """
    computed = root_from_inclusion_proof(leaf, index, size, proof)
    # 5. r must equal root_hash.
    if computed != root_hash:
        raise ProofInvalid(
            f"expected root {root_hash.hex()} for tree size {size}, proof yields {computed.hex()}"
        )


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Check that the tree of ``size2`` with ``root2`` extends the one of ``size1`` with ``root1``.

    RFC 9162 §2.1.4.2, for 0 < size1 <= size2 (equal sizes need an empty proof and equal roots;
    a proof from the empty tree proves nothing and is refused). Returns nothing, raises
    ConsistencyFailed.
    """
    for position, hash_ in enumerate(proof):
        _require_hash(f"proof hash {position}", hash_, ConsistencyFailed)
    if not 0 < size1 <= size2:
        raise ConsistencyFailed(f"expected 0 < size1 <= size2, found size1={size1} size2={size2}")
    if size1 == size2:
        if proof:
            raise ConsistencyFailed(f"expected an empty proof for equal sizes, found {len(proof)}")
        _require_equal(size2, root1, root2)
        return
    # 1. An empty consistency_path fails.
    if not proof:
        raise ConsistencyFailed(f"expected a proof from size {size1} to {size2}, found none")
    # 2. When size1 is a power of two, the old root is the first node of the path.
    path = [root1, *proof] if size1 & (size1 - 1) == 0 else list(proof)
    # 3. fn = first - 1, sn = second - 1.
    fn, sn = size1 - 1, size2 - 1
    # 4. Climb to the largest perfect subtree that ends at size1.
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    # 5. fr = sr = the first path value.
    fr = sr = path[0]
    # 6. For each subsequent value c:
    for c in path[1:]:
        # 6a. sn reaching 0 first means the proof is too long.
        if sn == 0:
            raise ConsistencyFailed(f"proof from size {size1} to {size2} is too long: {len(proof)}")
        # 6b. A left sibling belongs to both trees; a right sibling only to the new one.
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        # 6c.
        fn, sn = fn >> 1, sn >> 1
    # 7. sn must be 0, fr must equal first_hash and sr second_hash.
    if sn != 0:
        raise ConsistencyFailed(f"proof from size {size1} to {size2} is too short: {len(proof)}")
    _require_equal(size1, root1, fr)
    _require_equal(size2, root2, sr)


def _require_equal(size: int, expected: bytes, found: bytes) -> None:
    if expected != found:
        raise ConsistencyFailed(
            f"expected root {expected.hex()} at size {size}, found {found.hex()}"
        )
