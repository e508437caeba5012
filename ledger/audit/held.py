"""Checkpoints held outside the store (a buyer's proof, a monitor's checkpoint, the operator
key's memory): the log must extend each one, at its size with its root. The store's own
checkpoint rows cannot tell a truncated or rewritten log when their rows went with it."""

from __future__ import annotations

from collections.abc import Sequence

from ledger.audit.report import AuditReport, Problem
from ledger.errors import CheckpointInvalid, LedgerError, LogRolledBack
from ledger.signing.keys import TrustedKey
from ledger.transparency.checkpoint import Checkpoint, open_checkpoint
from ledger.transparency.verify import verifiers


def held_checkpoints(held: Sequence[tuple[str, str]], trusted: list[TrustedKey],
                     report: AuditReport) -> list[tuple[str, Checkpoint]]:
    """Each checkpoint held outside the store whose signature verifies; the others are
    problems."""
    opened = []
    for source, note in held:
        try:
            opened.append((source, open_checkpoint(note, verifiers(trusted))))
        except LedgerError as e:
            report.problems.append(Problem(CheckpointInvalid.code, None, None, None,
                                           f"{source}: a checkpoint signed by a trusted key",
                                           e.message))
    return opened


def compare_held(held: list[tuple[str, Checkpoint]], roots: dict[int, bytes], covered_to: int,
                 historical: bool, origin: str | None, report: AuditReport) -> None:
    """The log must extend each checkpoint held outside the store: hold its size, with its
    root there. A checkpoint of another log (``origin``, the operator's registration names it)
    is a problem of its own."""
    for source, checkpoint in held:
        size = checkpoint.size
        if origin is not None and checkpoint.origin != origin:
            report.problems.append(Problem(
                CheckpointInvalid.code, None, None, None, f"{source}: a checkpoint of the log "
                f"{origin!r}", f"one of {checkpoint.origin!r}"))
            continue
        if size == 0:
            continue  # the empty tree: every log extends it
        report.checkpoints_checked += 1
        if size > covered_to:
            if not historical:
                report.problems.append(Problem(
                    LogRolledBack.code, None, None, None, f"the log to extend {source} of tree "
                    f"size {size}", f"a log of tree size {covered_to} (it went back in time)"))
        elif roots.get(size) != checkpoint.root_hash:
            report.problems.append(Problem(
                LogRolledBack.code, None, None, None, f"the log to extend {source} of tree "
                f"size {size}", f"another root at tree size {size} (the log was rewritten)"))
