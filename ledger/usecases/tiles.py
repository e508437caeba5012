"""The public log as C2SP tlog-tiles: the latest signed checkpoint, hash tiles and entry
bundles, read from what is stored (nothing caught up, nothing signed), and the whole of it
published as static files any web server or CDN can serve."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ledger.errors import NotFound
from ledger.projections import merkle_log
from ledger.transparency import tiles
from ledger.transparency.tiles import Tile
from ledger.usecases.unit import UnitOfWork
from ledger.views import CheckpointView, PublishView


@dataclass(frozen=True)
class TileData:
    """A tile's bytes; a full tile never changes again."""

    tile: Tile
    data: bytes


def latest_checkpoint(uow: UnitOfWork) -> CheckpointView:
    """The latest signed checkpoint (``not_found`` before the first one)."""
    latest = merkle_log.latest_checkpoint(uow.db)
    if latest is None:
        raise NotFound("expected a signed checkpoint, found none yet (`ledger checkpoint`)")
    return latest


def read_tile(uow: UnitOfWork, *, path: str) -> TileData:
    """The tile a path names, if the stored log holds all of it (``not_found`` otherwise)."""
    tile = tiles.parse_path(path)
    if not tiles.covered(tile, merkle_log.tree_size(uow.db)):
        raise NotFound(f"{path}: expected a tile the log holds, found the log shorter")
    return TileData(tile, _bytes(uow, tile))


def publish(uow: UnitOfWork, *, directory: Path, pages: Mapping[str, str] = {}
            ) -> PublishView:
    """Write the latest checkpoint and every tile and entry bundle of its tree as static files
    under ``directory`` (a monitor fetches ``checkpoint``, then ``tile/…``), and ``pages``
    (name -> text) beside them."""
    checkpoint = latest_checkpoint(uow)
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in pages.items():
        (directory / name).write_text(text, encoding="utf-8")
    files = len(pages)
    for tile in tiles.tiles_of(checkpoint.tree_size):
        target = directory / tile.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(_bytes(uow, tile))
        files += 1
    (directory / "checkpoint").write_text(checkpoint.note, encoding="utf-8")
    return PublishView(str(directory), checkpoint.tree_size, files + 1)


def _bytes(uow: UnitOfWork, tile: Tile) -> bytes:
    if not tile.entries:
        height = tiles.HEIGHT * tile.level
        return tiles.hash_tile(merkle_log.hashes(uow.db, height, tile.first_node, tile.width))
    # The leaves' notification ids: consecutive but for the gaps a database sequence leaves.
    positions = merkle_log.positions(uow.db, tile.first_node, tile.width)
    wanted = set(positions)
    first, last = positions[0], positions[-1]
    page = uow.events.recorder.select_notifications(first, last - first + 1, stop=last)
    payloads = [bytes(n.state).rpartition(b"\n")[0] for n in page if n.id in wanted]
    if len(payloads) != tile.width:
        raise NotFound(f"{tile.path}: expected {tile.width} entries, found {len(payloads)}")
    return tiles.entry_bundle(payloads)
