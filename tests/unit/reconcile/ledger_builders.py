"""Ledger batches for the reconciliation tests, written the way the fixtures' exports read."""

from __future__ import annotations

from pathlib import Path

from ledger.reconcile.compare import LedgerBatch, LedgerBlock, MemoryLedgerSide, reconcile
from ledger.reconcile.readers import read_export
from ledger.reconcile.report import Difference, ReconcileReport

EXPORTS = Path(__file__).resolve().parents[2] / "fixtures" / "exports"


def batch(ref: str, scope: str, first: int, last: int, *blocks: LedgerBlock) -> LedgerBatch:
    """A batch of the registry its reference names; all active unless blocks are given."""
    registry = {"GS": "Gold Standard"}.get(ref.split(":")[0], ref.split(":")[0])
    return LedgerBatch(
        ref, registry, scope, first, last, blocks or (LedgerBlock(first, last, "active"),)
    )


def retired(first: int, last: int, beneficiary: str | None) -> LedgerBlock:
    return LedgerBlock(first, last, "retired", beneficiary)


def active(first: int, last: int) -> LedgerBlock:
    return LedgerBlock(first, last, "active")


def art_ledger() -> list[LedgerBatch]:
    """The ledger that agrees with art_retirements.csv and art_issuances.csv."""
    return [
        batch(
            "ART:ART102-2016-9", "ART-GY-102-2016-9", 1, 1408, retired(1, 1408, "Northwind Traders")
        ),
        batch(
            "ART:ART130-2023-20", "FCPF-CI-130-2023-20", 1, 2000, retired(1, 2000, "Contoso Ltd")
        ),
        batch("ART:ART130-2023-21", "FCPF-CI-130-2023-21", 1, 3000),
    ]


def verra_ledger() -> list[LedgerBatch]:
    """The ledger that agrees with verra_transactions.csv."""
    return [
        batch("Verra:VCS1340-19385", "VCS-VCU", 941467007, 941467431),
        batch(
            "Verra:VCS3005-19381",
            "VCS-VCU",
            941412555,
            941442125,
            retired(941412555, 941441125, "Tailspin Toys"),
            active(941441126, 941442125),
        ),
        batch("Verra:VCS101-240", "VCS-VCU", 7863589, 7889021, retired(7863589, 7889021, None)),
    ]


def isometric_ledger() -> list[LedgerBatch]:
    """The ledger that agrees with isometric_credit_batches.csv, minted per original batch."""
    scope = "ISO-1-VAULT-USA-01P4-2026"
    return [
        batch(
            f"Isometric:{scope}-40170350",
            scope,
            40170350,
            40182795,
            retired(40170350, 40182795, "Contoso Ltd"),
        ),
        batch(
            f"Isometric:{scope}-41646450",
            scope,
            41646450,
            41652309,
            retired(41646450, 41652060, "Contoso Ltd"),
            active(41652061, 41652309),
        ),
    ]


def run(ledger: list[LedgerBatch], *exports: str) -> ReconcileReport:
    """Reconcile the named fixture exports, read one after the other, with ``ledger``."""
    records = [record for name in exports for record in read_export(EXPORTS / name)]
    return reconcile(records, MemoryLedgerSide(ledger))


def only(report: ReconcileReport) -> Difference:
    """The single difference of a report that must hold exactly one."""
    assert len(report.differences) == 1, report.render_text()
    return report.differences[0]
