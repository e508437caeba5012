"""The Isometric registry's credit batches, flattened to CSV (nested fields joined with dots).

Columns as the registry API's credit batch fields flatten (CarbonPlan's OffsetsDB keeps them so)::

    id,serial_number,status,issued_at,retired_at,delivered_at,sequestered_on,country_of_issue,
    supplier_id,parent_id,left_child_id,right_child_id,issuance_id,delivery_id,retirement_id,
    removal_id,project_id,ccp_approved,size.credits,size.credit_kgs,beneficiary.id,
    beneficiary.name,beneficiary.domain,owner.id,owner.name,owner.domain,
    carbon_removal_data.gross_carbon_removed_kg,carbon_removal_data.net_carbon_removed_kg,
    carbon_removal_data.emissions_kg,carbon_removal_data.counterfactuals_kg,
    carbon_removal_data.losses_kg

One serial is one kilogram: ``size.credit_kgs`` must equal the (half-open) serial range and
``size.credits`` is the same amount in tonnes. A batch in status ``split`` was replaced by its
two children, which the export also lists, so it is skipped. The export is read as the complete
list of the issuance's (or the account's) batches.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ledger.reconcile.readers._rows import Row, csv_rows
from ledger.reconcile.records import RecordStatus, RegistryRecord

LAYOUT = "Isometric credit batch export"
SIGNATURE = frozenset({"serial_number", "size.credit_kgs"})
REQUIRED = (
    "id",
    "serial_number",
    "status",
    "retired_at",
    "issuance_id",
    "size.credits",
    "size.credit_kgs",
    "beneficiary.name",
)
# A split batch was replaced by its two children, which the export also lists.
_STATUSES: dict[str, RecordStatus | None] = {
    "active": "active",
    "retired": "retired",
    "split": None,
}


def read(path: Path) -> Iterator[RegistryRecord]:
    """Stream the live (not split) credit batches of an Isometric export."""
    for row in csv_rows(path, LAYOUT, REQUIRED):
        status = _status(row)
        if status is not None:
            yield _record(row, status)


def _status(row: Row) -> RecordStatus | None:
    value = row.required("status").casefold()
    if value not in _STATUSES:
        raise row.fail("status", f"expected active, retired or split, found '{value}'")
    return _STATUSES[value]


def _record(row: Row, status: RecordStatus) -> RegistryRecord:
    serial = row.serial("serial_number", "Isometric")
    kilograms = row.integer("size.credit_kgs")
    why = f"size of the half-open serial range {serial.first}-{serial.last + 1}"
    row.expect_equal("size.credit_kgs", kilograms, serial.count, why)
    tonnes = Decimal(kilograms) / 1000
    row.expect_equal("size.credits", _tonnes(row), tonnes, "size.credit_kgs / 1000")
    retired = status == "retired"
    return RegistryRecord(
        registry="Isometric",
        batch_ref=f"Isometric:{row.required('issuance_id')}",
        scope=serial.scope,
        first=serial.first,
        last=serial.last,
        quantity=kilograms,
        status=status,
        beneficiary=row.text("beneficiary.name") if retired else None,
        retired_on=_retired_on(row) if retired else None,
        reason=None,
        serial_verbatim=serial.verbatim,
        source=row.source,
        row=row.number,
        lists_all_serials=True,
        registry_ref=row.text("retirement_id") if retired else None,
    )


def _tonnes(row: Row) -> Decimal:
    value = row.required("size.credits")
    try:
        tonnes = Decimal(value)
    except InvalidOperation:
        tonnes = Decimal("NaN")
    if not tonnes.is_finite():
        raise row.fail("size.credits", f"expected a number of tonnes, found '{value}'")
    return tonnes


def _retired_on(row: Row) -> date:
    value = row.required("retired_at")
    try:
        return datetime.fromisoformat(value).date()
    except ValueError:
        raise row.fail("retired_at", f"expected an ISO 8601 time, found '{value}'") from None
