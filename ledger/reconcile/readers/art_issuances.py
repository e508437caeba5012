"""The ART registry's public issuance report: one row per program and vintage, no serials.

Header as the registry publishes it (note ``Program  Country``'s double space, and the empty
column its trailing comma adds)::

    Date Approved,Program ID,Program Name,Sovereign Program Developer,
    Crediting Program and Standard,Program Type,Standard Version,Vintage,
    Total Emission Reductions/Removals,Credits Deposited in Buffer,Credits Verified,CCP Approved,
    Program Jurisdiction(s),Program  Country,CORSIA Eligible,Verification Body,Program Website,
    Documents,fiID,

A row becomes an issuance total (status ``issued``) of ``Credits Verified`` credits: the total
less the buffer contribution, which stays in ART's pooled buffer and is not the program's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ledger.reconcile.readers._rows import Row, csv_rows
from ledger.reconcile.records import RegistryRecord, issued

LAYOUT = "ART issuance report"
SIGNATURE = frozenset({"Credits Verified", "Credits Deposited in Buffer"})
REQUIRED = (
    "Program ID",
    "Vintage",
    "Total Emission Reductions/Removals",
    "Credits Deposited in Buffer",
    "Credits Verified",
)
_PROGRAM = re.compile(r"ART[0-9]+")
_VINTAGE = re.compile(r"[0-9]{4}")


def read(path: Path) -> Iterator[RegistryRecord]:
    """Stream the issuance totals of an ART issuance report."""
    for row in csv_rows(path, LAYOUT, REQUIRED):
        yield _record(row)


def _record(row: Row) -> RegistryRecord:
    program = row.matching("Program ID", _PROGRAM, "a program id such as ART102")
    vintage = row.matching("Vintage", _VINTAGE, "a four-digit year")
    total = row.integer("Total Emission Reductions/Removals")
    buffer = row.integer("Credits Deposited in Buffer")
    verified = row.integer("Credits Verified")
    why = "Total Emission Reductions/Removals less Credits Deposited in Buffer"
    row.expect_equal("Credits Verified", verified, total - buffer, why)
    return issued("ART", f"ART:{program}-{vintage}", verified, row.source, row.number)
