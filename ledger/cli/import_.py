"""`ledger import OPERATIONS.jsonl`: many operations per transaction, progress on stderr."""

from __future__ import annotations

import click

from ledger.cli.options import chunk_size_option, renders, with_unit
from ledger.cli.render import StderrProgress
from ledger.errors import FileNotFound, InvalidDocument
from ledger.operations import MAX_LINE_BYTES
from ledger.parsing import bounded_lines
from ledger.usecases import importing
from ledger.usecases.unit import UnitOfWork
from ledger.views import ImportReport


@click.command("import")
@click.argument("operations", metavar="OPERATIONS.jsonl")
@chunk_size_option(default=importing.CHUNK_SIZE, maximum=100_000, what="Operations")
@renders()
@with_unit()
def import_(uow: UnitOfWork, operations: str, chunk_size: int) -> ImportReport:
    """Apply a stream of operations (one JSON object a line: mint, open_account, reserve,
    settle, release, transfer, retire, cancel, withdraw, apply_label, revoke_label), many per
    transaction. Progress on stderr."""

    def too_long(number: int) -> InvalidDocument:
        return InvalidDocument(f"line {number}: expected at most {MAX_LINE_BYTES} bytes, "
                               "found a longer line")

    try:
        lines = open(operations, encoding="utf-8")  # noqa: SIM115 - streamed, closed below
    except FileNotFoundError:
        raise FileNotFound(f"{operations}: expected a file, found none") from None
    except IsADirectoryError:
        raise FileNotFound(f"{operations}: expected a file, found a directory") from None
    with lines:
        return importing.import_operations(
            uow, lines=bounded_lines(lines, MAX_LINE_BYTES, too_long), chunk_size=chunk_size,
            progress=StderrProgress(every=0))
