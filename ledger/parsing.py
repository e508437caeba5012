"""Parsing of the values users type: durations, scope lists, files."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import TextIO

from ledger.errors import FileNotFound, InvalidArgument, InvalidDocument, LedgerError

DURATION = re.compile(r"^(\d{1,6})([smhdw])$")
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta:
    match = DURATION.fullmatch(text.strip())
    if not match:
        raise InvalidArgument(
            f"--expires-in: expected a duration like 30m, 12h or 7d, found {text!r}"
        )
    return timedelta(**{UNITS[match.group(2)]: int(match.group(1))})


def parse_scopes(value: str | list[int] | None) -> list[int]:
    if not value:
        return []
    if isinstance(value, list):
        return value
    try:
        return [int(s) for s in value.split(",") if s.strip()]
    except ValueError:
        raise InvalidArgument(
            f"--scope-targets: expected a list like 1,2,3, found {value!r}"
        ) from None


def read_file(path: str, limit: int, refuse: type[LedgerError] = InvalidDocument) -> bytes:
    """A whole small file, or ``refuse`` when it is larger than ``limit`` bytes: never more
    than ``limit + 1`` bytes are read, whatever the file's size."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise FileNotFound(f"{path}: expected a file, found none") from None
    except IsADirectoryError:
        raise FileNotFound(f"{path}: expected a file, found a directory") from None
    if len(data) > limit:
        raise refuse(f"{path}: expected at most {limit} bytes, found a larger file")
    return data


def bounded_lines(handle: TextIO, limit: int, refuse: Callable[[int], LedgerError]
                  ) -> Iterator[str]:
    """The lines of a text stream, refusing (``refuse(line_number)``) any line longer than
    ``limit`` characters before more of it is read into memory."""
    number = 0
    while True:
        number += 1
        line = handle.readline(limit + 1)
        if not line:
            return
        if len(line) > limit:
            raise refuse(number)
        yield line
