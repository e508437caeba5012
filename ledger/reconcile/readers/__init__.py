"""Readers of registry exports, one module per layout, chosen by name or from the header.

Every reader streams :class:`~ledger.reconcile.records.RegistryRecord` values and stops at the
first bad row with :class:`~ledger.errors.InvalidExport` naming the file, row and column.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

from ledger.errors import FileNotFound, InvalidArgument, InvalidExport
from ledger.reconcile.readers import (
    art_issuances,
    art_retirements,
    canonical,
    isometric,
    isometric_issuances,
    verra,
)
from ledger.reconcile.readers._json import first_char
from ledger.reconcile.readers._rows import read_header
from ledger.reconcile.records import RegistryRecord

Reader = Callable[[Path], Iterator[RegistryRecord]]

# Checked in this order; each layout is told apart by columns no other layout has.
_CSV_LAYOUTS: dict[str, tuple[frozenset[str], Reader]] = {
    "art-issuances": (art_issuances.SIGNATURE, art_issuances.read),
    "art-retirements": (art_retirements.SIGNATURE, art_retirements.read),
    "verra": (verra.SIGNATURE, verra.read),
    "isometric": (isometric.SIGNATURE, isometric.read),
    "isometric-issuances": (isometric_issuances.SIGNATURE, isometric_issuances.read),
    "canonical": (canonical.SIGNATURE, partial(canonical.read, json=False)),
}
FORMATS = ("auto", *_CSV_LAYOUTS)


def detect_format(path: Path) -> str:
    """The layout name of an export, told from its first bytes (JSON) or its CSV header."""
    _check_exists(path)
    if _is_json(path):
        return "canonical"
    header = set(read_header(path))
    for name, (signature, _) in _CSV_LAYOUTS.items():
        if signature <= header:
            return name
    expected = "; ".join(
        f"{name}: {', '.join(sorted(signature))}" for name, (signature, _) in _CSV_LAYOUTS.items()
    )
    raise InvalidExport(
        f"{path}: row 1: cannot tell the layout; expected the header of one of ({expected})"
    )


def read_export(path: Path, format: str = "auto") -> Iterator[RegistryRecord]:
    """Stream the records of one export in the named layout, or the one its header shows."""
    if format not in FORMATS:
        raise InvalidArgument(f"expected a format among {', '.join(FORMATS)}, found '{format}'")
    _check_exists(path)
    name = detect_format(path) if format == "auto" else format
    if name == "canonical" and _is_json(path):
        records = canonical.read(path, json=True)
    else:
        records = _CSV_LAYOUTS[name][1](path)
    return records


def _is_json(path: Path) -> bool:
    return first_char(path) in ("[", "{")


def _check_exists(path: Path) -> None:
    if not path.is_file():
        raise FileNotFound(f"expected an export file at {path}, found none")
