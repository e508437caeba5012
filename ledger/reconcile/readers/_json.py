"""Stream the objects of a JSON Lines file or of one JSON array, never holding the whole file.

The standard library only decodes whole documents, so an array is cut into its elements with
``raw_decode`` over a sliding buffer. Elements must be objects: an object only decodes once its
closing brace is in the buffer, so a chunk boundary can never cut one short.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from ledger.errors import InvalidExport
from ledger.parsing import bounded_lines
from ledger.reconcile.readers._rows import MAX_LINE_CHARS, open_text, too_long

_CHUNK = 1 << 16
# One record is small; a longer undecodable stretch is malformed, and reading on would load it all.
_OBJECT_MAX_CHARS = 1 << 20
_DECODER = json.JSONDecoder()


def json_objects(path: Path) -> Iterator[tuple[int, dict[str, object]]]:
    """Yield ``(row, object)``: the line number in JSON Lines, the element number in an array."""
    is_array = first_char(path) == "["
    with open_text(path) as handle:
        yield from _array(handle, str(path)) if is_array else _lines(handle, str(path))


def first_char(path: Path) -> str:
    """The first non-blank character of a text file, or ``""`` if it has none."""
    try:
        with open_text(path) as handle:
            while chunk := handle.read(_CHUNK):
                if stripped := chunk.lstrip():
                    return stripped[0]
    except UnicodeDecodeError as error:
        raise InvalidExport(f"{path}: row 1: not UTF-8 text ({error})") from None
    return ""


def _as_object(source: str, number: int, value: object) -> dict[str, object]:
    if not isinstance(value, dict):
        raise InvalidExport(f"{source}: row {number}: expected a JSON object, found {value!r}")
    return value


def _lines(handle: TextIO, source: str) -> Iterator[tuple[int, dict[str, object]]]:
    lines = bounded_lines(handle, MAX_LINE_CHARS, too_long(source))
    for number, line in enumerate(lines, start=1):
        if line.strip():
            try:
                value = json.loads(line)
            except json.JSONDecodeError as error:
                raise InvalidExport(f"{source}: row {number}: not JSON ({error})") from None
            yield number, _as_object(source, number, value)


def _array(handle: TextIO, source: str) -> Iterator[tuple[int, dict[str, object]]]:
    buffer = _ArrayBuffer(handle, source)
    buffer.expect("[")
    number = 0
    if buffer.peek() == "]":
        return
    while True:
        number += 1
        yield number, _as_object(source, number, buffer.decode_object(number))
        if buffer.expect(",]") == "]":
            return


class _ArrayBuffer:
    """A window on the text that refills itself from the file as decoding moves on."""

    def __init__(self, handle: TextIO, source: str) -> None:
        self._handle = handle
        self._source = source
        self._text = ""
        self._at = 0

    def _fill(self) -> bool:
        chunk = self._handle.read(_CHUNK)
        self._text = self._text[self._at :] + chunk
        self._at = 0
        return bool(chunk)

    def peek(self) -> str:
        """The next non-blank character, or ``""`` at the end of the file."""
        while True:
            while self._at < len(self._text) and self._text[self._at].isspace():
                self._at += 1
            if self._at < len(self._text):
                return self._text[self._at]
            if not self._fill():
                return ""

    def expect(self, allowed: str) -> str:
        """Consume the next non-blank character, which must be one of ``allowed``."""
        found = self.peek()
        if not found or found not in allowed:
            shown = " or ".join(f"'{c}'" for c in allowed)
            message = f"expected {shown} in the JSON array, found {found!r}"
            raise InvalidExport(f"{self._source}: {message}")
        self._at += 1
        return found

    def decode_object(self, number: int) -> object:
        """Decode the next value, reading more of the file until it is complete."""
        self.peek()
        while True:
            try:
                value, end = _DECODER.raw_decode(self._text, self._at)
            except json.JSONDecodeError as error:
                if len(self._text) - self._at < _OBJECT_MAX_CHARS and self._fill():
                    continue
                raise InvalidExport(f"{self._source}: row {number}: not JSON ({error})") from None
            self._at = end
            return value
