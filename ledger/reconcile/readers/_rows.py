"""Streaming CSV rows that name their place (file, row, column) when a value is wrong.

Row numbers count the header as row 1, as a spreadsheet shows them; a quoted field that holds a
line break still counts as one row.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TextIO

from ledger.errors import InvalidExport
from ledger.parsing import bounded_lines
from ledger.serials.native import NativeSerial, parse_native_serial

# One export line (one row, or one physical line of a quoted multi-line field) at most: far
# beyond any real row, and refused before more of it is read into memory.
MAX_LINE_CHARS = 1 << 20
_INTEGER = re.compile(r"[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+")


class Place:
    """A row of an export, by file and number, able to build the error that names it."""

    def __init__(self, source: str, number: int) -> None:
        self.source = source
        self.number = number

    def fail(self, column: str, message: str) -> InvalidExport:
        """The error for a bad cell of this row; the caller raises it."""
        return InvalidExport(f"{self.source}: row {self.number}, column '{column}': {message}")

    def expect_equal(self, column: str, found: object, expected: object, why: str) -> None:
        """Fail unless the cell's value ``found`` equals ``expected`` (``why`` says where from)."""
        if found != expected:
            raise self.fail(column, f"expected {expected} ({why}), found {found}")


class Row(Place):
    """One CSV data row, able to read its cells as typed values or fail naming them."""

    def __init__(self, source: str, number: int, cells: Mapping[str, str]) -> None:
        super().__init__(source, number)
        self._cells = cells

    def text(self, column: str) -> str | None:
        """The cell stripped of surrounding blanks, or ``None`` when empty."""
        value = self._cells.get(column)
        if value is None or not value.strip():
            return None
        return value.strip()

    def required(self, column: str) -> str:
        """The cell's text; an empty cell is an error."""
        value = self.text(column)
        if value is None:
            raise self.fail(column, "expected a value, found an empty cell")
        return value

    def matching(self, column: str, pattern: re.Pattern[str], expected: str) -> str:
        """The cell's text, which must match ``pattern`` (``expected`` describes it)."""
        value = self.required(column)
        if not pattern.fullmatch(value):
            raise self.fail(column, f"expected {expected}, found '{value}'")
        return value

    def integer(self, column: str) -> int:
        """A whole non-negative number, thousands separators allowed (``1,340``)."""
        value = self.required(column)
        if not _INTEGER.fullmatch(value):
            expected = "a whole number such as 1340 or 1,340"
            raise self.fail(column, f"expected {expected}, found '{value}'")
        return int(value.replace(",", ""))

    def date(self, column: str, formats: Sequence[str]) -> date | None:
        """The cell as a date in one of ``formats`` (strptime), or ``None`` when empty."""
        value = self.text(column)
        if value is None:
            return None
        for layout in formats:
            try:
                return datetime.strptime(value, layout).date()
            except ValueError:
                continue
        shown = " or ".join(formats)
        raise self.fail(column, f"expected a date as {shown}, found '{value}'")

    def serial(self, column: str, registry: str) -> NativeSerial:
        """The cell as ``registry``'s native serial range."""
        try:
            return parse_native_serial(self.required(column), registry)
        except ValueError as error:
            raise self.fail(column, str(error)) from None


def read_header(path: Path) -> list[str]:
    """The first row of a CSV file, a UTF-8 byte order mark dropped; empty if the file is."""
    try:
        with open_text(path) as handle:
            lines = bounded_lines(handle, MAX_LINE_CHARS, too_long(str(path)))
            return [name.strip() for name in next(csv.reader(lines), [])]
    except (csv.Error, UnicodeDecodeError) as error:
        raise InvalidExport(f"{path}: row 1: unreadable CSV ({error})") from None


def too_long(source: str) -> Callable[[int], InvalidExport]:
    def refuse(line: int) -> InvalidExport:
        return InvalidExport(f"{source}: line {line}: expected at most {MAX_LINE_CHARS} "
                             "characters, found a longer line")

    return refuse


def open_text(path: Path) -> TextIO:
    """Open an export as UTF-8 text; ``utf-8-sig`` drops the BOM spreadsheet tools write."""
    return open(path, encoding="utf-8-sig", newline="")


def csv_rows(path: Path, layout: str, required: Sequence[str]) -> Iterator[Row]:
    """Stream the data rows of a CSV export after checking its header has ``required``."""
    source = str(path)
    reading = 1
    try:
        with open_text(path) as handle:
            reader = csv.reader(bounded_lines(handle, MAX_LINE_CHARS, too_long(source)))
            header = [name.strip() for name in next(reader, [])]
            _check_header(source, layout, header, required)
            reading = 2
            for values in reader:
                if any(value.strip() for value in values):
                    yield Row(source, reading, dict(zip(header, values, strict=False)))
                reading += 1
    except (csv.Error, UnicodeDecodeError) as error:
        raise InvalidExport(f"{source}: row {reading}: unreadable CSV ({error})") from None


def _check_header(source: str, layout: str, header: list[str], required: Sequence[str]) -> None:
    for column in required:
        if column not in header:
            found = ", ".join(f"'{name}'" for name in header) or "nothing"
            raise InvalidExport(
                f"{source}: row 1: missing column '{column}' of the {layout}; found {found}"
            )
