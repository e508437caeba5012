"""The log as C2SP tlog-tiles (https://c2sp.org/tlog-tiles): hash tiles and entry bundles.

Tiles have height 8: a tile holds up to 256 hashes. Tile ``N`` at level ``L`` holds, for
``i`` in ``0..W``, the hash of the complete subtree over leaves
``[(N*256 + i) * 256**L, (N*256 + i + 1) * 256**L)``: the tree's nodes at height ``8*L``. A
tile is full at 256 hashes (immutable from then on) and partial (``.p/W``) while the tree's
right edge is inside it. Entry bundle ``N`` holds leaves ``N*256`` onward, each the exact
bytes whose leaf hash is in the tree, prefixed by its length as a big-endian uint16.

Paths: ``tile/<L>/<N>[.p/<W>]`` and ``tile/entries/<N>[.p/<W>]``, ``N`` in 3-digit path
elements, all but the last prefixed with ``x`` (1234067 is ``x001/x234/067``).
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ledger.errors import InvalidArgument
from ledger.transparency.merkle import HASH_SIZE

HEIGHT = 8
"""Levels of the tree in one tile."""
WIDTH = 1 << HEIGHT
"""Hashes in a full tile, entries in a full bundle."""
MAX_LEVEL = 7
"""Tiles beyond this level would cover more than 2**64 leaves."""
MAX_ENTRY_BYTES = 0xFFFF
"""An entry's length is a uint16."""

_INDEX = re.compile(r"(?:x[0-9]{3}/)*[0-9]{3}")


@dataclass(frozen=True)
class Tile:
    """A hash tile (``level`` 0 and up) or, with ``entries``, an entry bundle; ``width`` hashes
    or entries (``WIDTH`` when full)."""

    level: int
    index: int
    width: int = WIDTH
    entries: bool = False

    def __post_init__(self) -> None:
        if not 0 <= self.level <= MAX_LEVEL or self.index < 0 or not 1 <= self.width <= WIDTH:
            raise InvalidArgument(f"expected a tile level 0..{MAX_LEVEL}, an index >= 0 and a "
                                  f"width 1..{WIDTH}, found {self.level}, {self.index}, "
                                  f"{self.width}")

    @property
    def full(self) -> bool:
        """A full tile never changes again: it can be cached forever."""
        return self.width == WIDTH

    @property
    def path(self) -> str:
        """The tile's path under the log's prefix."""
        kind = "entries" if self.entries else str(self.level)
        partial = "" if self.full else f".p/{self.width}"
        return f"tile/{kind}/{encode_index(self.index)}{partial}"

    @property
    def first_node(self) -> int:
        """The index, among the tree's nodes at height ``8 * level``, of its first hash."""
        return self.index * WIDTH


def encode_index(index: int) -> str:
    """``N`` as 3-digit path elements, all but the last prefixed with ``x``."""
    digits = f"{index:d}"
    digits = digits.zfill(-(-len(digits) // 3) * 3)
    groups = [digits[i:i + 3] for i in range(0, len(digits), 3)]
    return "/".join([*(f"x{g}" for g in groups[:-1]), groups[-1]])


def parse_path(path: str) -> Tile:
    """The tile a path names (without the log's prefix): ``tile/<L>/<N>[.p/<W>]`` or
    ``tile/entries/<N>[.p/<W>]``. InvalidArgument for anything else, so that only canonical
    paths are ever served."""
    kind, _, rest = path.removeprefix("tile/").partition("/")
    index_text, _, width_text = rest.partition(".p/")
    if not path.startswith("tile/") or not _INDEX.fullmatch(index_text) \
            or (kind != "entries" and not re.fullmatch(r"[0-9]", kind)):
        raise InvalidArgument(f"expected a tile path tile/<L>/<N>[.p/<W>], found {path!r}")
    if width_text and not re.fullmatch(r"[1-9][0-9]{0,2}", width_text):
        raise InvalidArgument(f"expected a partial width 1..255, found {width_text!r}")
    tile = Tile(0 if kind == "entries" else int(kind),
                int(index_text.replace("x", "").replace("/", "")),
                int(width_text) if width_text else WIDTH, kind == "entries")
    if tile.path != path or (width_text and tile.full):
        raise InvalidArgument(f"expected the canonical path {tile.path}, found {path!r}")
    return tile


def nodes_at(level: int, tree_size: int) -> int:
    """How many complete subtrees of ``256**level`` leaves a tree of ``tree_size`` has: the
    hashes tiles at ``level`` hold in all."""
    return tree_size >> (HEIGHT * level)


def tiles_of(tree_size: int) -> Iterator[Tile]:
    """Every hash tile and entry bundle of a tree of ``tree_size`` leaves, each in the width
    it has at that size (the full ones, then the partial right edge of each level)."""
    for level in range(MAX_LEVEL + 1):
        count = nodes_at(level, tree_size)
        if count == 0:
            return
        for index in range(-(-count // WIDTH)):
            width = min(WIDTH, count - index * WIDTH)
            yield Tile(level, index, width)
            if level == 0:
                yield Tile(0, index, width, entries=True)


def covered(tile: Tile, tree_size: int) -> bool:
    """Whether a tree of ``tree_size`` leaves has every hash (or entry) of ``tile``."""
    return tile.first_node + tile.width <= nodes_at(tile.level, tree_size)


def hash_tile(hashes: Iterable[bytes]) -> bytes:
    """A hash tile's bytes: its hashes, concatenated."""
    data = b"".join(hashes)
    if len(data) % HASH_SIZE:
        raise ValueError(f"expected {HASH_SIZE}-byte hashes, found {len(data)} bytes in all")
    return data


def entry_bundle(entries: Iterable[bytes]) -> bytes:
    """An entry bundle's bytes: each entry prefixed by its big-endian uint16 length."""
    parts = []
    for entry in entries:
        if len(entry) > MAX_ENTRY_BYTES:
            raise ValueError(f"expected an entry of at most {MAX_ENTRY_BYTES} bytes, found "
                             f"{len(entry)}")
        parts.append(struct.pack(">H", len(entry)) + entry)
    return b"".join(parts)


def split_bundle(data: bytes) -> list[bytes]:
    """The entries of an entry bundle; ValueError when it does not parse exactly."""
    entries, at = [], 0
    while at < len(data):
        if at + 2 > len(data):
            raise ValueError("expected a 2-byte entry length, found the end")
        (size,) = struct.unpack_from(">H", data, at)
        if at + 2 + size > len(data):
            raise ValueError(f"expected an entry of {size} bytes, found fewer")
        entries.append(data[at + 2:at + 2 + size])
        at += 2 + size
    return entries
