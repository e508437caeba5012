"""Parsing of the values users type: durations, scope lists, files."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from ledger.errors import FileNotFound, InvalidArgument

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


def read_file(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise FileNotFound(f"{path}: expected a file, found none") from None
    except IsADirectoryError:
        raise FileNotFound(f"{path}: expected a file, found a directory") from None
