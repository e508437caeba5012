"""Following a served log (C2SP tlog-tiles) and checking that it only grows.

A monitor keeps the last checkpoint it verified and the right edge of that tree (the hashes of
its perfect subtrees, at most 64). Each step, with nothing but the served files:

1. the new checkpoint is signed by a trusted key, for the same origin;
2. it is not smaller than the kept one, and at the same size it has the same root;
3. the RFC 9162 consistency proof between the two sizes, its hashes computed from hash tiles,
   verifies (RFC 9162 §2.1.4.2);
4. every new entry's leaf hash equals its hash in the level-0 tiles;
5. the kept edge, extended by those leaf hashes, gives the new root: the new entries are the
   ones the signed root covers.

Pure: the caller gives the function that fetches a path (``checkpoint``, ``tile/…``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ledger.errors import ConsistencyFailed, LogRolledBack, MerkleMismatch
from ledger.signing.c2sp import Verifier
from ledger.transparency import merkle, tiles
from ledger.transparency.checkpoint import Checkpoint, open_checkpoint
from ledger.transparency.merkle import HASH_SIZE, CompactRange
from ledger.transparency.tiles import Tile

Fetch = Callable[[str], bytes]
"""Returns the bytes served at a path of the log (``checkpoint``, ``tile/0/000``)."""


@dataclass(frozen=True)
class Followed:
    """What a monitor keeps: the signed checkpoint note it verified, and its tree's edge."""

    note: str
    checkpoint: Checkpoint
    edge: tuple[bytes, ...]


class TileReader:
    """A :data:`~ledger.transparency.merkle.NodeReader` over the hash tiles of a tree of
    ``size`` leaves: a node below a tile's top level is folded from the tile's hashes."""

    def __init__(self, fetch: Fetch, size: int) -> None:
        self.fetch = fetch
        self.size = size
        self.fetched: dict[tuple[int, int], list[bytes]] = {}

    def hashes(self, level: int, index: int) -> list[bytes]:
        """The hashes of hash tile ``index`` at tile ``level``, as wide as the tree has it."""
        if (level, index) not in self.fetched:
            width = min(tiles.WIDTH, tiles.nodes_at(level, self.size) - index * tiles.WIDTH)
            tile = Tile(level, index, width)
            data = self.fetch(tile.path)
            if len(data) != width * HASH_SIZE:
                raise MerkleMismatch(f"{tile.path}: expected {width} hashes, found "
                                     f"{len(data)} bytes")
            self.fetched[level, index] = [data[i:i + HASH_SIZE]
                                          for i in range(0, len(data), HASH_SIZE)]
        return self.fetched[level, index]

    def __call__(self, level: int, index: int) -> bytes:
        tile_level, below = divmod(level, tiles.HEIGHT)
        first = index << below  # the node's first descendant on the tile's level
        row = self.hashes(tile_level, first // tiles.WIDTH)
        offset = first % tiles.WIDTH
        folded = CompactRange()
        for hash_ in row[offset:offset + (1 << below)]:
            folded.append(hash_)
        if folded.size != 1 << below:
            raise MerkleMismatch(f"expected the hashes under node ({level}, {index}) in a tile, "
                                 "found the tile shorter")
        return folded.root()


def follow(fetch: Fetch, verifiers: Sequence[Verifier], kept: Followed | None) -> Followed:
    """Verify the served log's checkpoint against ``kept`` (steps 1-5 of the module); the new
    state to keep. ``log_rolled_back`` for a smaller or forked log."""
    note = fetch("checkpoint").decode("utf-8")
    # 1. Signed by a trusted key, for the log followed so far.
    new = open_checkpoint(note, verifiers, kept.checkpoint.origin if kept else None)
    old_size = kept.checkpoint.size if kept else 0
    # 2. Never smaller; at the same size, the same root.
    if new.size < old_size:
        raise LogRolledBack(f"expected a tree of at least size {old_size} (kept), found a "
                            f"checkpoint of size {new.size}: the log went back in time")
    reader = TileReader(fetch, new.size)
    # 3. Consistent with the kept checkpoint, the proof's hashes read from tiles.
    if kept is not None and old_size:
        try:
            proof = merkle.consistency_proof(old_size, new.size, reader)
            merkle.verify_consistency(old_size, new.size, proof, kept.checkpoint.root_hash,
                                      new.root_hash)
        except ConsistencyFailed as e:
            raise LogRolledBack(f"expected tree size {new.size} to extend the kept tree size "
                                f"{old_size}, found a fork ({e.message})") from None
    # 4. New entries hash to their level-0 tile hashes, and 5. extend the kept edge to the
    #    signed root.
    edge = CompactRange(old_size, kept.edge if kept else ())
    for leaf in new_leaves(fetch, reader, old_size, new.size):
        edge.append(leaf)
    if edge.root() != new.root_hash:
        raise LogRolledBack(f"expected the kept tree of size {old_size} and the new entries to "
                            f"give the signed root at size {new.size}, found another root")
    return Followed(note, new, edge.edge)


def new_leaves(fetch: Fetch, reader: TileReader, first: int, end: int) -> list[bytes]:
    """The leaf hashes of leaves ``first``..``end - 1`` from the level-0 tiles, each checked
    against the entry it hashes."""
    leaves = []
    for bundle in range(first // tiles.WIDTH, -(-end // tiles.WIDTH)):
        hashes = reader.hashes(0, bundle)
        tile = Tile(0, bundle, len(hashes), entries=True)
        try:
            entries = tiles.split_bundle(fetch(tile.path))
        except ValueError as e:
            raise MerkleMismatch(f"{tile.path}: {e}") from None
        if len(entries) != len(hashes):
            raise MerkleMismatch(f"{tile.path}: expected {len(hashes)} entries, found "
                                 f"{len(entries)}")
        for offset, (entry, hash_) in enumerate(zip(entries, hashes, strict=True)):
            index = bundle * tiles.WIDTH + offset
            if not first <= index < end:
                continue
            if merkle.leaf_hash(entry) != hash_:
                raise MerkleMismatch(f"{tile.path}: expected entry {index} to hash to its "
                                     "level-0 tile hash, found another hash")
            leaves.append(hash_)
    return leaves

