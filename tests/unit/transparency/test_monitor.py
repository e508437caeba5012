"""The monitor's checks on served tiles alone: growth across tile and level boundaries verifies;
a fork, a rollback, a changed entry or tile is refused."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.errors import CheckpointInvalid, LogRolledBack, MerkleMismatch
from ledger.signing.c2sp import Verifier
from ledger.signing.keys import TrustedKey
from ledger.transparency import merkle, tiles
from ledger.transparency.checkpoint import Checkpoint, sign_checkpoint
from ledger.transparency.monitor import Fetch, Followed, follow
from ledger.transparency.verify import verifiers

ORIGIN = "monitor.example/log"
KEY = Ed25519PrivateKey.generate()
TRUSTED = verifiers([TrustedKey("operator", KEY.public_key())])


def served(entries: list[bytes], key: Ed25519PrivateKey = KEY) -> Fetch:
    """A log of ``entries`` served as tlog-tiles, with its signed checkpoint."""
    tree, store = merkle.CompactRange(), merkle.MemoryNodeStore()
    for entry in entries:
        store.put(tree.append(merkle.leaf_hash(entry)))
    files = {"checkpoint": sign_checkpoint(Checkpoint(ORIGIN, tree.size, tree.root()),
                                           "operator", key).encode()}
    for tile in tiles.tiles_of(tree.size):
        first = tile.first_node
        if tile.entries:
            files[tile.path] = tiles.entry_bundle(entries[first:first + tile.width])
        else:
            files[tile.path] = tiles.hash_tile(store(tiles.HEIGHT * tile.level, first + i)
                                               for i in range(tile.width))

    def fetch(path: str) -> bytes:
        return files[path]

    fetch.files = files  # type: ignore[attr-defined]
    return fetch


def entries(count: int, tag: bytes = b"e") -> list[bytes]:
    return [tag + str(i).encode() for i in range(count)]


def test_growth_across_tile_and_level_boundaries_verifies() -> None:
    log = entries(70_000)
    kept: Followed | None = None
    for size in (1, 2, 255, 256, 257, 600, 65_535, 65_536, 65_537, 70_000, 70_000):
        kept = follow(served(log[:size]), TRUSTED, kept)
        assert kept.checkpoint.size == size
    assert kept is not None and len(kept.edge) == (70_000).bit_count()


@pytest.mark.parametrize(("old", "new"), [(300, 300), (300, 301), (5, 70_000)])
def test_a_fork_is_log_rolled_back(old: int, new: int) -> None:
    kept = follow(served(entries(old)), TRUSTED, None)
    forked = entries(new)
    forked[old - 1] = b"rewritten"
    with pytest.raises(LogRolledBack):
        follow(served(forked), TRUSTED, kept)


def test_a_smaller_log_is_log_rolled_back() -> None:
    kept = follow(served(entries(300)), TRUSTED, None)
    with pytest.raises(LogRolledBack, match="went back in time"):
        follow(served(entries(299)), TRUSTED, kept)


def test_an_entry_that_is_not_its_tile_hash_is_refused() -> None:
    kept = follow(served(entries(10)), TRUSTED, None)
    fetch = served(entries(20))
    files = fetch.files  # type: ignore[attr-defined]
    files["tile/entries/000.p/20"] = files["tile/entries/000.p/20"].replace(b"e15", b"x15")
    with pytest.raises(MerkleMismatch, match="entry 15"):
        follow(fetch, TRUSTED, kept)


def test_a_changed_tile_hash_is_refused() -> None:
    kept = follow(served(entries(300)), TRUSTED, None)
    fetch = served(entries(600))
    files = fetch.files  # type: ignore[attr-defined]
    tile = bytearray(files["tile/0/001"])
    tile[0] ^= 1
    files["tile/0/001"] = bytes(tile)
    with pytest.raises((LogRolledBack, MerkleMismatch)):
        follow(fetch, TRUSTED, kept)


def test_a_checkpoint_by_another_key_is_refused() -> None:
    stranger: list[Verifier] = verifiers([TrustedKey("operator",
                                                      Ed25519PrivateKey.generate().public_key())])
    with pytest.raises(CheckpointInvalid):
        follow(served(entries(3)), stranger, None)
