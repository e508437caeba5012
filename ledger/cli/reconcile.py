"""`ledger reconcile EXPORT...`: compare registry exports with the ledger, serial by serial.

Exit 0 when everything reconciles, 5 when differences are found (after the report is written),
4 when an export cannot be read (missing, unreadable, or a bad row, named with its column).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import chain
from pathlib import Path

import click

from ledger.cli.options import renders, with_unit
from ledger.cli.render import StderrProgress, say
from ledger.cli.text import text_of
from ledger.errors import FileNotFound, InvalidExport
from ledger.parsing import parse_duration
from ledger.progress import Progress
from ledger.reconcile.readers import FORMATS, read_export
from ledger.reconcile.records import RegistryRecord
from ledger.reconcile.report import ReconcileReport
from ledger.usecases import reconciling
from ledger.usecases.unit import UnitOfWork, open_unit


@click.command()
@click.argument("exports", metavar="EXPORT...", nargs=-1, required=True)
@click.option("--format", "layout", type=click.Choice(FORMATS), default="auto",
              show_default=True, help="Layout of every EXPORT; auto tells it from the header.")
@click.option("--confirm", is_flag=True,
              help="Confirm each pending retirement the exports show retired, serial for "
                   "serial, for its beneficiary (signs; needs the operator's key).")
@click.option("--stale-after", default="14d", show_default=True, metavar="DURATION",
              help="With --confirm: a pending retirement older than this that no export shows "
                   "is a stale_pending difference.")
@renders(output=True)
@with_unit(sign=False)
def reconcile(uow: UnitOfWork, exports: tuple[str, ...], layout: str, confirm: bool,
              stale_after: str) -> ReconcileReport:
    """Compare registry exports (ART issuance and retirement reports, Verra transactions,
    Isometric credit batches, or the canonical layout) with the ledger, serial by serial.

    Every difference is classified (missing_in_ledger, missing_in_registry, quantity_mismatch,
    serial_mismatch, status_mismatch, beneficiary_mismatch, double_mint). Exports are streamed;
    progress goes to stderr. Exit 0 when everything reconciles, 5 when differences are found,
    4 when an export cannot be read.
    """
    streams = [_stream(Path(export), layout) for export in exports]
    progress = StderrProgress()
    records = counted(chain.from_iterable(streams), progress)
    stale = parse_duration(stale_after, "--stale-after")
    if confirm:
        with open_unit(uow.settings) as writer:
            report = reconciling.reconcile(uow, records=records, progress=progress,
                                           confirm=writer, stale_after=stale)
    else:
        report = reconciling.reconcile(uow, records=records, progress=progress)
    say(f"reconciled {report.records_read} rows with {report.batches_compared} ledger "
        f"batches: {len(report.differences)} differences")
    return report


def counted(records: Iterable[RegistryRecord], progress: Progress) -> Iterator[RegistryRecord]:
    """``records`` unchanged, counted as they stream past."""
    for rows, record in enumerate(records, start=1):
        progress("reconcile: export rows read", rows)
        yield record


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


@text_of.register
def _(result: ReconcileReport) -> str:
    return result.render_text()
