"""`ledger import`: apply a JSON Lines file of operations, many per transaction."""

from __future__ import annotations

from typing import Any

import click

from ledger.cli import common
from ledger.context import Settings, open_ledger
from ledger.errors import FileNotFound, InvalidArgument, InvalidDocument
from ledger.importer import MAX_LINE_BYTES, ImportReport, import_operations
from ledger.parsing import bounded_lines
from ledger.render import reporter, say


@click.command("import")
@click.argument("operations", metavar="OPERATIONS.jsonl")
@click.option("--batch-size", default=500, show_default=True,
              help="Operations per transaction (all or nothing each).")
@common
def import_command(db: str | None, key_dir: str | None, as_json: bool, operations: str,
                   batch_size: int) -> None:
    """Apply a stream of operations (one JSON object a line: mint, open_account, reserve,
    settle, release, transfer, retire), many per transaction. Progress on stderr."""
    if not 1 <= batch_size <= 100_000:
        raise InvalidArgument(f"--batch-size: expected 1 to 100000, found {batch_size}")

    def progress(report: ImportReport) -> None:
        rate = report.to_dict()["operations_per_second"]
        say(f"imported {report.operations} operations ({report.lines} lines, {rate:,.0f}/s)")

    try:
        lines = open(operations, encoding="utf-8")  # noqa: SIM115 - streamed, closed below
    except FileNotFoundError:
        raise FileNotFound(f"{operations}: expected a file, found none") from None
    def too_long(number: int) -> InvalidDocument:
        return InvalidDocument(f"line {number}: expected at most {MAX_LINE_BYTES} bytes, "
                               "found a longer line")

    with lines, open_ledger(Settings(db, key_dir)) as ledger:
        report = import_operations(
            ledger, bounded_lines(lines, MAX_LINE_BYTES, too_long), batch_size, progress)
    result: dict[str, Any] = report.to_dict()
    if as_json:
        reporter(True).show(result)
    else:
        print(f"imported {result['operations']} operations from {result['lines']} lines in "
              f"{result['transactions']} transactions, {result['seconds']} s "
              f"({result['operations_per_second']:,.0f} operations/s)")


def register(cli: click.Group) -> None:
    cli.add_command(import_command)
