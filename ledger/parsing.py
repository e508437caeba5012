"""Parsing of the values users type: durations, scope lists, whole numbers, free text, files.

Numbers are ASCII digits only (Python's ``int()`` also takes other scripts' digits and
``1_000``), and free text holds no character a terminal may act on or that reorders what is
shown (:func:`unsafe`): the same rule refuses such text on the way in and escapes it on the way
out.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any, TextIO

from ledger.errors import FileNotFound, InvalidArgument, InvalidDocument, LedgerError

DURATION = re.compile(r"([0-9]{1,6})([smhdw])")
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
MAX_DURATION = timedelta(days=366)
"""The longest reservation: credits held longer than a year are a sale, not a reservation."""
WHOLE = re.compile(r"0|[1-9][0-9]*")

UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f"  # C0 and C1 controls, DEL (Unicode category Cc)
    "\u2028\u2029"  # line and paragraph separators (Zl, Zp)
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidirectional formatting
    "\ud800-\udfff]"  # lone surrogates (Cs): not Unicode text at all
)
"""Characters a terminal may act on, or that change how the text around them is shown."""


def unsafe(char: str) -> bool:
    """Whether ``char`` is one of :data:`UNSAFE`."""
    return UNSAFE.match(char) is not None


def first_unsafe(text: str) -> str | None:
    """Where ``text`` holds its first :data:`UNSAFE` character, said in words; None if
    nowhere."""
    found = UNSAFE.search(text)
    return None if found is None else \
        f"{repr(found.group())[1:-1]} at position {found.start()}"


def escaped(text: str, keep: str = "") -> str:
    """``text`` with every :data:`UNSAFE` character but those in ``keep`` written as a Python
    escape (``\\x1b``, ``\\u202e``): what goes to a terminal can only be shown, never acted on."""
    return UNSAFE.sub(lambda m: m.group() if m.group() in keep else repr(m.group())[1:-1],
                      text)


def check_free_text(what: str, value: object, limit: int) -> str:
    """Free text from outside (names, reasons, evidence): a string of 1 to ``limit``
    characters, not blank, without :func:`unsafe` characters; InvalidArgument otherwise."""
    if not isinstance(value, str):
        raise InvalidArgument(f"{what}: expected text, found {type(value).__name__}")
    if not 0 < len(value) <= limit:
        raise InvalidArgument(f"{what}: expected 1 to {limit} characters, found {len(value)}")
    if not value.strip():
        raise InvalidArgument(f"{what}: expected text, found only white space")
    where = first_unsafe(value)
    if where is not None:
        raise InvalidArgument(f"{what}: expected text without control characters, found {where}")
    return value


def strict_json(raw: str | bytes) -> Any:
    """JSON as RFC 8259 says it should be written: a key at most once in an object, and no
    NaN or Infinity; ValueError otherwise (``json.loads`` keeps the last of two keys)."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for key, value in items:
            if key in found:
                raise ValueError(f"duplicate key {escaped(key)!r} in an object")
            found[key] = value
        return found

    def constant(name: str) -> Any:
        raise ValueError(f"{name} is not a JSON number")

    return json.loads(raw, object_pairs_hook=pairs, parse_constant=constant)


def parse_seconds(what: str, text: str, low: float, high: float) -> float:
    """A finite number of seconds from ``low`` to ``high``, written in ASCII (no nan, inf or
    negative); InvalidArgument otherwise."""
    try:
        seconds = float(text) if text.isascii() else math.nan
    except ValueError:
        seconds = math.nan
    if not low <= seconds <= high:  # also false for nan
        raise InvalidArgument(f"{what}: expected seconds from {low:g} to {high:g}, found "
                              f"{escaped(text[:40])!r}")
    return seconds


def parse_whole(what: str, text: str, low: int, high: int) -> int:
    """A whole number written in ASCII digits without sign, spaces, underscores or leading
    zeros, from ``low`` to ``high``; InvalidArgument otherwise."""
    if not WHOLE.fullmatch(text):
        raise InvalidArgument(f"{what}: expected a whole number in ASCII digits, found "
                              f"{escaped(text[:40])!r}")
    value = int(text)
    if not low <= value <= high:
        raise InvalidArgument(f"{what}: expected {low} to {high}, found {text}")
    return value


def parse_duration(text: str, what: str = "--expires-in") -> timedelta:
    match = DURATION.fullmatch(text.strip())
    if not match:
        raise InvalidArgument(
            f"{what}: expected a duration like 30m, 12h or 7d, found {escaped(text)!r}"
        )
    duration = timedelta(**{UNITS[match.group(2)]: int(match.group(1))})
    if not timedelta(0) < duration <= MAX_DURATION:
        raise InvalidArgument(f"{what}: expected more than 0 and at most "
                              f"{MAX_DURATION.days}d, found {text.strip()}")
    return duration


DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


def parse_day(what: str, text: str) -> date:
    """A calendar day written YYYY-MM-DD, from 1990 to 2100."""
    try:
        day = date.fromisoformat(text) if DAY.fullmatch(text) else None
    except ValueError:
        day = None
    if day is None or not date(1990, 1, 1) <= day <= date(2100, 12, 31):
        raise InvalidArgument(f"{what}: expected a day YYYY-MM-DD from 1990 to 2100, found "
                              f"{escaped(text)!r}")
    return day


def parse_time(what: str, text: str) -> datetime:
    """An ISO 8601 time with its UTC offset."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise InvalidArgument(f"{what}: expected an ISO 8601 time with its UTC offset "
                              f"(2025-06-30T12:00:00+00:00), found {escaped(text)!r}")
    return when


def parse_scopes(value: str | list[int] | None) -> list[int]:
    if not value:
        return []
    if isinstance(value, list):
        return value
    parts = [s.strip() for s in value.split(",") if s.strip()]
    if not all(WHOLE.fullmatch(s) for s in parts):
        raise InvalidArgument(
            f"--scope-targets: expected a list like 1,2,3, found {escaped(value)!r}"
        )
    return [int(s) for s in parts]


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
