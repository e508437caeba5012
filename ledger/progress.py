"""Progress of long work (a catch-up, an import, an audit, a reconciliation), for people.

Long work calls a :class:`Progress` as it goes; the command line prints it on stderr, never mixed
into data. Work started without one reports nothing. A progress that also takes :class:`Notes`
hears, once, what the work chose to do (a read that did not catch up, and why).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


class Progress(Protocol):
    """Called as work advances: ``what`` is done ``done`` times, of ``total`` when known."""

    def __call__(self, what: str, done: int, total: int | None = None) -> None: ...


def silent(what: str, done: int, total: int | None = None) -> None:
    """Progress that reports nothing."""


@runtime_checkable
class Notes(Protocol):
    """A progress that also takes one-line notes for people."""

    def note(self, message: str) -> None: ...


def note(progress: Progress, message: str) -> None:
    """Tell ``progress`` a one-line note, if it takes notes (else nothing)."""
    if isinstance(progress, Notes):
        progress.note(message)
