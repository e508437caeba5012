"""Rendering: a command's result becomes text for people or JSON for programs, on stdout or in
the file ``-o`` names; diagnostics go to stderr.

Every command returns its result and :func:`emit` renders it, so no command has a JSON branch
of its own, and nothing reaches a terminal unescaped: text passes through
:func:`~ledger.parsing.escaped` (control and bidirectional characters shown as escapes), and
JSON carries them as ``\\u`` escapes (:func:`json_text`), whatever the fields hold. A result
that carries findings (an audit's problems, a reconciliation's differences) is rendered whole
first, then reported as an error: exit 5, a one-line ``error[code]`` on stderr, or with
``--json`` an ``error`` member in the JSON document.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from ledger.cli.text import text_of
from ledger.errors import InvalidArgument, LedgerError
from ledger.parsing import UNSAFE, escaped
from ledger.views import View

if TYPE_CHECKING:
    from ledger.usecases.unit import Saves


@dataclass(frozen=True)
class Keyed:
    """A write's result and the idempotency key it was recorded under: printed, so that the
    same write can be asked for again and recorded once."""

    result: object
    idempotency_key: str
    saves: Saves | None = None
    """What the unit's saves took: attempts, conflicts retried."""

    def to_json(self) -> Any:
        value = to_json(self.result)
        if not isinstance(value, dict):
            return value
        saves = {"saves": self.saves.to_json()} if self.saves is not None else {}
        return {**value, "idempotency_key": self.idempotency_key, **saves}


@text_of.register
def _(keyed: Keyed) -> str:
    conflicts = keyed.saves.conflicts if keyed.saves is not None else 0
    retried = f" (saved after {conflicts} conflicts with other writers)" if conflicts else ""
    return f"{text_of(keyed.result).rstrip()}\nidempotency key: {keyed.idempotency_key}{retried}"


@runtime_checkable
class Findings(Protocol):
    """A result that may report findings: the error to exit with, or None when clean."""

    def findings(self) -> LedgerError | None: ...


@runtime_checkable
class Json(Protocol):
    """A result that knows its JSON value."""

    def to_json(self) -> Any: ...


def emit(result: object, *, as_json: bool, output: str | None = None) -> int:
    """Render ``result`` (to ``output`` when given, else stdout); the exit code."""
    error = result.findings() if isinstance(result, Findings) else None
    if as_json:
        value = to_json(result)
        if error is not None and output is None and isinstance(value, dict):
            value = {**value, **error.to_dict()}
            error_shown = True
        else:
            error_shown = False
        document = json_text(value, indent=2) + "\n"
    else:
        document = escaped(text_of(result), keep="\n\t")
        document += "" if document.endswith("\n") or not document else "\n"
        error_shown = False
    if output is not None:
        write(output, document)
        say(f"wrote {output}")
        if error is not None:
            error.message += f"; report in {output}"
    else:
        sys.stdout.write(document)
    if error is not None:
        if as_json and not error_shown:
            print(json_text(error.to_dict()))
        elif not as_json:
            say(f"error[{error.code}]: {error.message}")
        return error.exit_code
    return 0


def json_text(value: Any, indent: int | None = None) -> str:
    """``value`` as JSON text (UTF-8 as is), with every control, separator and bidirectional
    character as a ``\\u`` escape: the same JSON, safe to show on a terminal."""
    text = json.dumps(value, indent=indent, ensure_ascii=False)
    # json.dumps has escaped every C0 control inside strings: a raw newline is layout.
    return UNSAFE.sub(lambda m: m.group() if m.group() == "\n" else f"\\u{ord(m.group()):04x}",
                      text)


def to_json(result: object) -> Any:
    """The JSON value of a result: its own ``to_json``, or a list or dict of such values."""
    if isinstance(result, Json | View):
        return result.to_json()
    if isinstance(result, list | tuple):
        return [to_json(r) for r in result]
    return result


def write(output: str, document: str) -> None:
    """Write a rendered document to the file ``-o`` names."""
    try:
        Path(output).write_text(document, encoding="utf-8")
    except OSError as error:
        raise InvalidArgument(
            f"-o: expected a writable file {output}, found {error.strerror}"
        ) from None


def say(message: str) -> None:
    """A diagnostic line for people: stderr, never mixed into data."""
    print(escaped(message), file=sys.stderr)


PROGRESS_EVERY_S = 2.0
"""Seconds between two progress lines of long work."""


class StderrProgress:
    """:class:`~ledger.progress.Progress` on stderr: a line at most every ``every`` seconds
    (every call when 0), with the rate so far."""

    def __init__(self, every: float | None = None) -> None:
        self.every = PROGRESS_EVERY_S if every is None else every
        self.started = self.last = time.monotonic()

    def __call__(self, what: str, done: int, total: int | None = None) -> None:
        now = time.monotonic()
        if self.every and now - self.last < self.every:
            return
        self.last = now
        rate = done / max(now - self.started, 1e-9)
        of = f" of {total} ({100 * done // max(total, 1)}%)" if total is not None else ""
        say(f"{what}: {done}{of}, {rate:,.0f}/s")

    def note(self, message: str) -> None:
        """A note is said at once, never held back like progress."""
        say(message)
