"""The ART registry's public retirement report, and its cancellation report (same reader).

Retirement header as published (trailing comma included)::

    Vintage,Credit Serial Numbers,Quantity of Credits,Status Effective,
    Eligible for CORSIA 2021-2023 Compliance Period (Pilot Phase),
    Eligible for CORSIA 2024-2026 Compliance Period (First Phase),CCP Approved,Program ID,
    Program Name,Program Type,Crediting Program and Standard,Standard Version,
    Program Jurisdiction(s),Program  Country,Date Approved,Account Holder,Retired on Behalf of,
    Retirement Reason,Purpose of Retirement,

The cancellation report has ``CORSIA Eligible`` after ``Program  Country`` and ends with
``Cancellation Reason,Cancellation Details`` instead of the three retirement columns.
``Status Effective`` is a US date (MM/DD/YYYY). The report lists retired or cancelled blocks
only, so a serial it leaves out is presumed still active on the registry.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ledger.reconcile.readers._rows import Row, csv_rows, read_header
from ledger.reconcile.records import RecordStatus, RegistryRecord

LAYOUT = "ART retirement or cancellation report"
SIGNATURE = frozenset({"Credit Serial Numbers", "Quantity of Credits"})
_COMMON = (
    "Vintage",
    "Credit Serial Numbers",
    "Quantity of Credits",
    "Status Effective",
    "Program ID",
    "Account Holder",
)
_RETIREMENT = (*_COMMON, "Retired on Behalf of", "Retirement Reason")
_CANCELLATION = (*_COMMON, "Cancellation Reason")


def read(path: Path) -> Iterator[RegistryRecord]:
    """Stream the retired (or cancelled) blocks of an ART report."""
    cancelled = "Cancellation Reason" in read_header(path)
    required = _CANCELLATION if cancelled else _RETIREMENT
    for row in csv_rows(path, LAYOUT, required):
        yield _record(row, "cancelled" if cancelled else "retired")


def _record(row: Row, status: RecordStatus) -> RegistryRecord:
    serial = row.serial("Credit Serial Numbers", "ART")
    quantity = row.integer("Quantity of Credits")
    why = f"size of the serial range {serial.first}-{serial.last}"
    row.expect_equal("Quantity of Credits", quantity, serial.count, why)
    row.expect_equal("Program ID", row.required("Program ID"), serial.project, "from the serial")
    row.expect_equal("Vintage", row.required("Vintage"), serial.vintage, "from the serial")
    retirement = status == "retired"
    return RegistryRecord(
        registry="ART",
        batch_ref=f"ART:{serial.project}-{serial.vintage}-{serial.issuance}",
        scope=serial.scope,
        first=serial.first,
        last=serial.last,
        quantity=quantity,
        status=status,
        beneficiary=_beneficiary(row) if retirement else None,
        retired_on=row.date("Status Effective", ("%m/%d/%Y",)),
        reason=row.text("Retirement Reason" if retirement else "Cancellation Reason"),
        serial_verbatim=serial.verbatim,
        source=row.source,
        row=row.number,
        lists_all_serials=False,
    )


def _beneficiary(row: Row) -> str | None:
    # A blank "Retired on Behalf of" means the account holder retired for itself; keeping the
    # holder lets a retirement that failed to name the buyer show as a beneficiary mismatch.
    return row.text("Retired on Behalf of") or row.text("Account Holder")
