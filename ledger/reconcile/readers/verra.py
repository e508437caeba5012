"""The Verra registry's VCU transactions export: one row per serial block, active or retired.

Header as published::

    Issuance Date,Sustainable Development Goals,Vintage Start,Vintage End,ID,Name,Country/Area,
    Project Type,Methodology,Total Vintage Quantity,Quantity Issued,Serial Number,
    Additional Certifications,Retirement/Cancellation Date,Retirement Beneficiary,
    Retirement Reason,Retirement Details

Quantities carry thousands separators (``"1,340"``). Dates appear as DD/MM/YYYY in the web
export and as YYYY-MM-DD in later downloads; both are read. A block with a
``Retirement/Cancellation Date`` is used up; the export does not say whether it was retired or
cancelled, so it is read as ``retired_or_cancelled``: either state on the ledger matches it (and
a retirement's beneficiary is still compared).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ledger.reconcile.readers._rows import Row, csv_rows
from ledger.reconcile.records import RegistryRecord

LAYOUT = "Verra VCU transactions export"
SIGNATURE = frozenset({"Serial Number", "Quantity Issued"})
REQUIRED = (
    "ID",
    "Quantity Issued",
    "Serial Number",
    "Retirement/Cancellation Date",
    "Retirement Beneficiary",
    "Retirement Reason",
)
_DATES = ("%d/%m/%Y", "%Y-%m-%d")


def read(path: Path) -> Iterator[RegistryRecord]:
    """Stream the serial blocks of a Verra transactions export."""
    for row in csv_rows(path, LAYOUT, REQUIRED):
        yield _record(row)


def _record(row: Row) -> RegistryRecord:
    serial = row.serial("Serial Number", "Verra")
    quantity = row.integer("Quantity Issued")
    why = f"size of the serial range {serial.first}-{serial.last}"
    row.expect_equal("Quantity Issued", quantity, serial.count, why)
    row.expect_equal("ID", str(row.integer("ID")), serial.project, "project id in the serial")
    retired_on = row.date("Retirement/Cancellation Date", _DATES)
    return RegistryRecord(
        registry="Verra",
        batch_ref=f"Verra:VCS{serial.project}-{serial.issuance}",
        scope=serial.scope,
        first=serial.first,
        last=serial.last,
        quantity=quantity,
        status="active" if retired_on is None else "retired_or_cancelled",
        beneficiary=None if retired_on is None else row.text("Retirement Beneficiary"),
        retired_on=retired_on,
        reason=None if retired_on is None else row.text("Retirement Reason"),
        serial_verbatim=serial.verbatim,
        source=row.source,
        row=row.number,
        lists_all_serials=True,
    )
