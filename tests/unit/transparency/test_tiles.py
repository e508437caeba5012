"""C2SP tlog-tiles: paths, widths, bundles, and a tree root recomputed from tiles alone by a
reader written from the spec (not from our Merkle code)."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import InvalidArgument
from ledger.transparency import merkle, tiles
from ledger.transparency.tiles import Tile


@pytest.mark.parametrize(("index", "encoded"), [
    (0, "000"), (7, "007"), (999, "999"), (1000, "x001/000"), (1234067, "x001/x234/067"),
])
def test_a_tile_index_is_3_digit_path_elements_all_but_the_last_prefixed_with_x(
    index: int, encoded: str
) -> None:
    assert tiles.encode_index(index) == encoded


def test_paths_of_full_and_partial_hash_tiles_and_entry_bundles() -> None:
    assert Tile(0, 1234067).path == "tile/0/x001/x234/067"
    assert Tile(2, 3, 7).path == "tile/2/003.p/7"
    assert Tile(0, 0, 200, entries=True).path == "tile/entries/000.p/200"


@given(st.integers(0, 7), st.integers(0, 10**12), st.integers(1, 256), st.booleans())
def test_every_tile_path_parses_back_to_its_tile(level: int, index: int, width: int,
                                                 entries: bool) -> None:
    tile = Tile(0 if entries else level, index, width, entries)
    assert tiles.parse_path(tile.path) == tile


@pytest.mark.parametrize("path", [
    "tile/0/1", "tile/0/0001", "tile/0/x000/001/002", "tile/0/000.p/256", "tile/0/000.p/0",
    "tile/0/000.p/07", "tile/8/000", "tile/entries/000.p/", "tile/-1/000", "tile/0/001/",
    "tile/0/x1/000", "tile/0/x001/000.p/1/2", "tiles/0/000", "tile/00/000", "tile/0/..",
])
def test_only_canonical_paths_parse(path: str) -> None:
    with pytest.raises(InvalidArgument):
        tiles.parse_path(path)


def test_a_tree_has_its_full_tiles_then_the_partial_right_edge_of_each_level() -> None:
    paths = [t.path for t in tiles.tiles_of(256 * 256 + 3)]
    assert "tile/0/255" in paths
    assert "tile/0/256.p/3" in paths and "tile/entries/256.p/3" in paths
    assert "tile/1/000" in paths and "tile/2/000.p/1" in paths
    assert not any(p.startswith("tile/3/") for p in paths)


def test_an_entry_bundle_is_length_prefixed_entries_and_splits_back() -> None:
    entries = [b"", b"a", b"x" * 300]
    bundle = tiles.entry_bundle(entries)
    assert bundle[:2] == b"\x00\x00" and bundle[2:5] == b"\x00\x01a"
    assert tiles.split_bundle(bundle) == entries
    with pytest.raises(ValueError):
        tiles.entry_bundle([b"x" * 65536])
    with pytest.raises(ValueError):
        tiles.split_bundle(b"\x00\x05ab")


def _leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_tiles(size: int, fetch: dict[str, bytes]) -> bytes:
    """RFC 6962 root of ``size`` leaves, reading hashes only from tiles (what a monitor does)."""

    def stored(height: int, index: int) -> bytes:
        level, tile_index, offset = height // 8, index // 256, index % 256
        count = size >> height
        width = min(256, count - tile_index * 256)
        data = fetch[Tile(level, tile_index, width).path]
        return data[32 * offset:32 * offset + 32]

    def subtree(height: int, index: int) -> bytes:
        if height % 8 == 0:
            return stored(height, index)
        return _node(subtree(height - 1, 2 * index), subtree(height - 1, 2 * index + 1))

    def mth(begin: int, end: int) -> bytes:  # RFC 6962 §2.1, split at the largest power of 2
        n = end - begin
        if n & (n - 1) == 0 and begin % n == 0:
            return subtree(n.bit_length() - 1, begin // n)
        k = 1 << ((n - 1).bit_length() - 1)
        return _node(mth(begin, begin + k), mth(begin + k, end))

    return mth(0, size)


@pytest.mark.parametrize("size", [1, 2, 255, 256, 257, 1000, 65536 + 300])
def test_the_root_recomputed_from_tiles_equals_the_tree_root(size: int) -> None:
    store, tree = merkle.MemoryNodeStore(), merkle.CompactRange()
    entries = [f"entry {i}".encode() for i in range(size)]
    for entry in entries:
        store.put(tree.append(merkle.leaf_hash(entry)))
    fetch = {}
    for tile in tiles.tiles_of(size):
        if tile.entries:
            fetch[tile.path] = tiles.entry_bundle(entries[tile.first_node:][:tile.width])
        else:
            height = 8 * tile.level
            fetch[tile.path] = tiles.hash_tile(
                store(height, tile.first_node + i) for i in range(tile.width))
    assert root_from_tiles(size, fetch) == tree.root()
    for tile in (t for t in tiles.tiles_of(size) if t.entries):
        leaves = [_leaf(e) for e in tiles.split_bundle(fetch[tile.path])]
        assert b"".join(leaves) == fetch[Tile(0, tile.index, tile.width).path]
