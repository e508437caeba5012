"""The Merkle log: every event, in notification order, a leaf of one RFC 9162 tree.

It runs as a projection (exactly once, resumable, rebuildable): leaf = SHA-256(0x00 || the
event's exact signed payload). This single writer gives leaves gap-free indexes (notification
ids have gaps) and stores the hash of every complete subtree, so any root or proof reads
O(log n) nodes, fetched in one query, and never rehashes leaves. Beside it, the signed
checkpoints of the tree (one row per tree size, never replaced).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from ledger.errors import NotFound
from ledger.ids import as_uuid
from ledger.projections.runner import Database, Item, Projection
from ledger.transparency import merkle
from ledger.transparency.merkle import (
    HASH_SIZE,
    CompactRange,
    NodeReader,
    leaf_hash,
)
from ledger.views import CheckpointView

BYTES = "BYTEA"  # SQLite stores blobs whatever the declared type; PostgreSQL needs bytea
MAX_TREE_SIZE = 2**63 - 1  # BIGINT


class MerkleLog(Projection):
    """Appends one leaf per event and stores the subtree hashes each append completes."""

    name = "merkle_log"
    tables = ("merkle_leaves", "merkle_nodes")  # checkpoints survive a rebuild: never dropped
    ddl = (
        "CREATE TABLE IF NOT EXISTS merkle_leaves (leaf_index BIGINT PRIMARY KEY, "
        "position BIGINT NOT NULL UNIQUE, originator_id TEXT NOT NULL, "
        f"originator_version BIGINT NOT NULL, leaf_hash {BYTES} NOT NULL)",
        "CREATE INDEX IF NOT EXISTS merkle_leaves_by_event "
        "ON merkle_leaves (originator_id, originator_version)",
        f"CREATE TABLE IF NOT EXISTS merkle_nodes (level INTEGER NOT NULL, idx BIGINT NOT NULL, "
        f"hash {BYTES} NOT NULL, PRIMARY KEY (level, idx))",
        # A signed checkpoint is never replaced: one row per tree size, insert only.
        f"CREATE TABLE IF NOT EXISTS checkpoints (tree_size BIGINT PRIMARY KEY, "
        f"root_hash {BYTES} NOT NULL, note TEXT NOT NULL, key_id TEXT NOT NULL, "
        "signed_at TEXT NOT NULL)",
    )

    def __init__(self) -> None:
        self._range: CompactRange | None = None

    def apply(self, tx: Database, item: Item) -> None:
        self.apply_chunk(tx, [item])

    def apply_chunk(self, tx: Database, items: Sequence[Item]) -> None:
        """Append the chunk's leaves in memory, then store them and every subtree hash they
        complete in two statements."""
        size = tree_size(tx)
        if self._range is None or self._range.size != size:
            # First use, or a chunk that was rolled back: resume from what is stored.
            self._range = CompactRange.load(size, stored_nodes(tx))
        leaves, nodes = [], []
        for offset, item in enumerate(items):
            n = item.notification
            payload = bytes(n.state).rpartition(b"\n")[0]
            completed = self._range.append(leaf_hash(payload))
            leaves.append([size + offset, n.id, str(as_uuid(n.originator_id)),
                           n.originator_version, completed[0][2]])
            nodes += completed
        tx.execute_many("INSERT INTO merkle_leaves (leaf_index, position, originator_id, "
                        "originator_version, leaf_hash) VALUES (?, ?, ?, ?, ?)", leaves)
        tx.execute_many("INSERT INTO merkle_nodes (level, idx, hash) VALUES (?, ?, ?)", nodes)


def tree_size(db: Database) -> int:
    """How many leaves the stored tree has."""
    rows = db.execute("SELECT MAX(leaf_index) FROM merkle_leaves")
    return 0 if rows[0][0] is None else int(rows[0][0]) + 1


def stored_nodes(db: Database) -> NodeReader:
    """A node reader over the stored subtree hashes, one query per node."""

    def read(level: int, index: int) -> bytes:
        rows = db.execute("SELECT hash FROM merkle_nodes WHERE level = ? AND idx = ?",
                          [level, index])
        if not rows:
            raise NotFound(f"merkle log: no stored node at level {level}, index {index}")
        return bytes(rows[0][0])

    return read


def prefetched(db: Database, compute: Callable[[NodeReader], bytes | list[bytes]]) -> NodeReader:
    """Run ``compute`` once to learn which nodes it reads, fetch them all in one query, and
    return a reader serving them: a proof costs one round trip, not O(log n)."""
    wanted: list[tuple[int, int]] = []

    def record(level: int, index: int) -> bytes:
        wanted.append((level, index))
        return bytes(HASH_SIZE)

    compute(record)
    found: dict[tuple[int, int], bytes] = {}
    for start in range(0, len(wanted), 100):
        chunk = wanted[start : start + 100]
        where = " OR ".join("(level = ? AND idx = ?)" for _ in chunk)
        params = [v for pair in chunk for v in pair]
        for level, index, hash_ in db.execute(
            f"SELECT level, idx, hash FROM merkle_nodes WHERE {where}", params  # only ?s
        ):
            found[int(level), int(index)] = bytes(hash_)

    def read(level: int, index: int) -> bytes:
        try:
            return found[level, index]
        except KeyError:
            raise NotFound(f"merkle log: no stored node at level {level}, index {index}") \
                from None

    return read


@dataclass(frozen=True)
class Leaf:
    index: int
    position: int
    hash: bytes


def leaf_of(db: Database, originator_id: UUID, version: int) -> Leaf | None:
    """Where an event sits in the log, if the log has reached it."""
    rows = db.execute(
        "SELECT leaf_index, position, leaf_hash FROM merkle_leaves "
        "WHERE originator_id = ? AND originator_version = ?",
        [str(originator_id), version],
    )
    if not rows:
        return None
    index, position, hash_ = rows[0]
    return Leaf(int(index), int(position), bytes(hash_))


def consistency(db: Database, old_size: int, new_size: int) -> list[bytes]:
    """The RFC 9162 consistency proof between two tree sizes of the stored log."""
    return merkle.consistency_proof(
        old_size, new_size,
        prefetched(db, lambda r: merkle.consistency_proof(old_size, new_size, r)),
    )


def inclusion(db: Database, index: int, size: int) -> list[bytes]:
    """The RFC 9162 inclusion path of leaf ``index`` in the tree of ``size`` leaves."""
    return merkle.inclusion_proof(
        index, size, prefetched(db, lambda r: merkle.inclusion_proof(index, size, r))
    )


def hashes(db: Database, height: int, first: int, count: int) -> list[bytes]:
    """The stored hashes of ``count`` consecutive complete subtrees at ``height`` (0: the
    leaves), from index ``first``: what a tlog-tiles hash tile holds."""
    rows = db.execute("SELECT idx, hash FROM merkle_nodes WHERE level = ? AND idx >= ? "
                      "AND idx < ? ORDER BY idx", [height, first, first + count])
    if [int(r[0]) for r in rows] != list(range(first, first + count)):
        raise NotFound(f"merkle log: expected nodes {first}..{first + count - 1} at height "
                       f"{height}, found {len(rows)}")
    return [bytes(r[1]) for r in rows]


def positions(db: Database, first: int, count: int) -> list[int]:
    """The notification ids of leaves ``first`` .. ``first + count - 1``, in leaf order."""
    rows = db.execute("SELECT position FROM merkle_leaves WHERE leaf_index >= ? "
                      "AND leaf_index < ? ORDER BY leaf_index", [first, first + count])
    if len(rows) != count:
        raise NotFound(f"merkle log: expected leaves {first}..{first + count - 1}, found "
                       f"{len(rows)}")
    return [int(r[0]) for r in rows]


def root(db: Database, size: int) -> bytes:
    """The stored tree's root hash at ``size`` leaves."""
    return merkle.root(size, prefetched(db, lambda r: merkle.root(size, r)))


# --- signed checkpoints -------------------------------------------------------------------


def checkpoints(db: Database, at_least: int = 0, at_most: int | None = None
                ) -> list[CheckpointView]:
    """The signed checkpoints of tree sizes in ``[at_least, at_most]``, smallest first."""
    rows = db.execute(
        "SELECT tree_size, root_hash, note, key_id, signed_at FROM checkpoints "
        "WHERE tree_size >= ? AND tree_size <= ? ORDER BY tree_size",
        [at_least, MAX_TREE_SIZE if at_most is None else at_most],
    )
    return [CheckpointView(int(r[0]), bytes(r[1]), str(r[3]),
                           datetime.fromisoformat(str(r[4])), str(r[2])) for r in rows]


def latest_checkpoint(db: Database) -> CheckpointView | None:
    """The signed checkpoint of the largest tree size, if any."""
    rows = db.execute("SELECT MAX(tree_size) FROM checkpoints")
    return None if rows[0][0] is None else checkpoint_at(db, int(rows[0][0]))


def size_signed_before(db: Database, size: int) -> int:
    """The largest tree size signed below ``size``; 0 when none is."""
    rows = db.execute("SELECT MAX(tree_size) FROM checkpoints WHERE tree_size < ?", [size])
    return 0 if rows[0][0] is None else int(rows[0][0])


def checkpoint_at(db: Database, size: int) -> CheckpointView:
    """The signed checkpoint of exactly ``size`` leaves, or NotFound."""
    found = checkpoints(db, size, size)
    if not found:
        raise NotFound(f"no signed checkpoint of tree size {size} (see `ledger checkpoints`)")
    return found[0]


def store_checkpoint(db: Database, signed: CheckpointView) -> None:
    """Keep a newly signed checkpoint (insert only: a tree size is signed once)."""
    db.execute(
        "INSERT INTO checkpoints (tree_size, root_hash, note, key_id, signed_at) "
        "VALUES (?, ?, ?, ?, ?)",
        [signed.tree_size, signed.root_hash, signed.note, signed.key_id,
         signed.signed_at.isoformat()],
    )


def add_cosignatures(db: Database, size: int, lines: Sequence[str]) -> CheckpointView:
    """Append witnesses' cosignature lines to the stored checkpoint of ``size`` (those it does
    not hold yet). Its text and the operator's signature never change: only lines are added."""
    stored = checkpoint_at(db, size)
    from ledger.transparency.note import add_signatures  # (cryptography: when signing)

    note = add_signatures(stored.note, lines)
    if note != stored.note:
        db.execute("UPDATE checkpoints SET note = ? WHERE tree_size = ? AND note = ?",
                   [note, size, stored.note])
    return replace(stored, note=note)
