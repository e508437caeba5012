"""Progress of long work (a catch-up, an import, an audit, a reconciliation), for people.

Long work calls a :class:`Progress` as it goes; the command line prints it on stderr, never mixed
into data. Work started without one reports nothing.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Called as work advances: ``what`` is done ``done`` times, of ``total`` when known."""

    def __call__(self, what: str, done: int, total: int | None = None) -> None: ...


def silent(what: str, done: int, total: int | None = None) -> None:
    """Progress that reports nothing."""
