"""`ledger reconcile`: compare registry exports with the ledger, serial by serial.

Exit 0 when everything reconciles, 5 when differences are found (after the report is written),
4 when an export cannot be read (missing, unreadable, or a bad row, named with its column).
With ``--json`` and differences, the report leaves through the error boundary as one JSON
document (the report plus its ``error`` member), so stdout stays parseable.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from itertools import chain
from pathlib import Path

import click

from ledger.cli import common
from ledger.context import Settings, open_ledger
from ledger.errors import FileNotFound, InvalidArgument, InvalidExport, ReconcileDifferences
from ledger.reconcile.compare import reconcile
from ledger.reconcile.readers import FORMATS, read_export
from ledger.reconcile.records import RegistryRecord
from ledger.reconcile.report import ReconcileReport
from ledger.reconcile.store_side import StoreLedgerSide
from ledger.render import say

PROGRESS_ROWS = 50_000
PROGRESS_BATCHES = 1_000


class Progress:
    """Progress lines on stderr: rows read, then ledger batches compared, then a summary."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.rows = 0
        self.batches = 0

    def counted(self, records: Iterable[RegistryRecord]) -> Iterator[RegistryRecord]:
        """``records`` unchanged, counted as they stream past."""
        for self.rows, record in enumerate(records, start=1):
            if self.rows % PROGRESS_ROWS == 0:
                say(f"read {self.rows:,} rows ({self.rows / self._seconds():,.0f} rows/s)")
            yield record

    def batch_loaded(self, batches: int) -> None:
        """Called by the ledger side after each batch it reads."""
        self.batches = batches
        if batches % PROGRESS_BATCHES == 0:
            say(f"compared {batches:,} ledger batches")

    def summary(self, report: ReconcileReport) -> None:
        seconds = self._seconds()
        say(
            f"reconciled {self.rows:,} rows with {self.batches:,} ledger batches in "
            f"{seconds:.1f} s ({self.rows / seconds:,.0f} rows/s): "
            f"{len(report.differences)} differences"
        )

    def _seconds(self) -> float:
        return max(time.perf_counter() - self.started, 1e-9)


@click.command("reconcile")
@click.argument("exports", metavar="EXPORT...", nargs=-1, required=True)
@click.option(
    "--format",
    "layout",
    type=click.Choice(FORMATS),
    default="auto",
    show_default=True,
    help="Layout of every EXPORT; auto tells it from the header.",
)
@click.option(
    "-o",
    "--output",
    metavar="REPORT",
    help="Write the report (text, or JSON with --json) to REPORT instead of stdout.",
)
@common
def reconcile_command(
    db: str | None,
    key_dir: str | None,
    as_json: bool,
    exports: tuple[str, ...],
    layout: str,
    output: str | None,
) -> None:
    """Compare registry exports (ART issuance and retirement reports, Verra transactions,
    Isometric credit batches, or the canonical layout) with the ledger, serial by serial.

    Every difference is classified (missing_in_ledger, missing_in_registry, quantity_mismatch,
    serial_mismatch, status_mismatch, beneficiary_mismatch, double_mint). Exports are streamed;
    progress goes to stderr. Exit 0 when everything reconciles, 5 when differences are found,
    4 when an export cannot be read.
    """
    streams = [_stream(Path(export), layout) for export in exports]
    progress = Progress()
    # Reading needs only the trusted public keys: an auditor without the signing key can run it.
    with open_ledger(Settings(db, key_dir), sign=False) as ledger:
        side = StoreLedgerSide(ledger, loaded=progress.batch_loaded)
        report = reconcile(progress.counted(chain.from_iterable(streams)), side)
    progress.summary(report)
    if as_json:
        rendered = json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
    else:
        rendered = report.render_text()
    if output is not None:
        _write(output, rendered)
    elif report.reconciled or not as_json:
        print(rendered, end="")
    if not report.reconciled:
        inline = report.to_dict() if as_json and output is None else None
        raise ReconcileDifferences(_differences(report, output), inline)


def _stream(path: Path, layout: str) -> Iterator[RegistryRecord]:
    """The records of one export; its existence and layout are checked now, rows as they come."""
    try:
        records = read_export(path, layout)
    except FileNotFound:
        raise InvalidExport(f"{path}: expected an export file, found none") from None
    except OSError as error:
        raise _unreadable(path, error) from None
    return _reading(path, records)


def _reading(path: Path, records: Iterator[RegistryRecord]) -> Iterator[RegistryRecord]:
    try:
        yield from records
    except OSError as error:
        raise _unreadable(path, error) from None


def _unreadable(path: Path, error: OSError) -> InvalidExport:
    return InvalidExport(f"{path}: expected a readable export, found {error.strerror}")


def _write(output: str, rendered: str) -> None:
    try:
        Path(output).write_text(rendered, encoding="utf-8")
    except OSError as error:
        raise InvalidArgument(
            f"-o: expected a writable file {output}, found {error.strerror}"
        ) from None


def _differences(report: ReconcileReport, output: str | None) -> str:
    found = ", ".join(f"{kind} {n}" for kind, n in report.counts().items() if n)
    where = f"; report in {output}" if output is not None else ""
    return (
        f"expected the exports and the ledger to agree, found {len(report.differences)} "
        f"differences ({found}){where}"
    )


def register(cli: click.Group) -> None:
    cli.add_command(reconcile_command)
