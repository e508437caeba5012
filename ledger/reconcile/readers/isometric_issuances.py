"""The Isometric registry's issuances, flattened to CSV (nested fields joined with dots), as its
API returns them and CarbonPlan's OffsetsDB keeps them::

    id,issued_at,project_id,supplier.id,…,supplier_credit_batch_size_total.credits,
    supplier_credit_batch_size_total.credit_kgs,buffer_pool_credit_batch_size_total.credits,
    buffer_pool_credit_batch_size_total.credit_kgs,credit_batch_size_total.credits,
    credit_batch_size_total.credit_kgs,…

An issuance names no serials: it is a total, in kilograms, split into the supplier's share (what
the ledger mints as batch ``Isometric:<id>``) and the buffer pool's share, which must add up to
the issuance's total.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ledger.reconcile.readers._rows import Row, csv_rows
from ledger.reconcile.records import RegistryRecord, issued

LAYOUT = "Isometric issuance export"
SUPPLIER = "supplier_credit_batch_size_total.credit_kgs"
BUFFER = "buffer_pool_credit_batch_size_total.credit_kgs"
TOTAL = "credit_batch_size_total.credit_kgs"
SIGNATURE = frozenset({SUPPLIER, BUFFER})
REQUIRED = ("id", "issued_at", SUPPLIER, BUFFER, TOTAL)


def read(path: Path) -> Iterator[RegistryRecord]:
    """Stream the issuance totals (the supplier's share, in kg) of an Isometric export."""
    for row in csv_rows(path, LAYOUT, REQUIRED):
        yield _record(row)


def _record(row: Row) -> RegistryRecord:
    supplier, buffer, total = row.integer(SUPPLIER), row.integer(BUFFER), row.integer(TOTAL)
    row.expect_equal(TOTAL, total, supplier + buffer, f"{SUPPLIER} + {BUFFER}")
    return issued("Isometric", f"Isometric:{row.required('id')}", supplier, row.source,
                  row.number)
