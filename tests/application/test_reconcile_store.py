"""Reconciling registry exports with a ledger built through its own use cases, on SQLite and
PostgreSQL: a clean run, then one scenario per difference class.

The exports are written in the registries' published layouts, header and row taken from the
fixtures under ``tests/fixtures/exports``, so only the serials and names change.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

from ledger import ids
from ledger.reconcile.compare import reconcile
from ledger.reconcile.ledger_side import LedgerBlock
from ledger.reconcile.readers import read_export
from ledger.reconcile.report import ReconcileReport
from ledger.reconcile.store_side import StoreLedgerSide
from ledger.serials.native import parse_native_serial
from ledger.usecases import cancellations, holdings, minting, reads, reconciling, reservations
from ledger.usecases.unit import UnitOfWork
from tests.support.builders import isometric_issuance, issuance, open_buyers
from tests.support.clock import Clock
from tests.unit.reconcile.ledger_builders import EXPORTS, only

A, B = "ART:ART102-2021-11", "ART:ART102-2021-12"
SCOPE_A = "ART-CR-102-2021-11"
Row = tuple[str, str]

# --- exports in the registries' layouts -------------------------------------------------------


def _template(fixture: str) -> tuple[list[str], dict[str, str]]:
    with (EXPORTS / fixture).open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        return header, dict(zip(header, next(reader), strict=True))


def _write(path: Path, fixture: str, rows: Iterable[dict[str, str]]) -> Path:
    header, template = _template(fixture)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows([{**template, **row}.get(column, "") for column in header] for row in rows)
    return path


def art_retirements(path: Path, *rows: Row) -> Path:
    """An ART retirement report: one row per ``(native serial, retired on behalf of)``."""

    def row(serial: str, beneficiary: str) -> dict[str, str]:
        parsed = parse_native_serial(serial, "ART")
        return {
            "Vintage": parsed.vintage,
            "Credit Serial Numbers": serial,
            "Quantity of Credits": str(parsed.count),
            "Program ID": parsed.project,
            "Program Name": "Costa Rica",
            "Program  Country": "COSTA RICA",
            "Account Holder": "Operator Trading Ltd",
            "Retired on Behalf of": beneficiary,
        }

    return _write(path, "art_retirements.csv", (row(*given) for given in rows))


def art_issuances(path: Path, program: str, vintage: int, total: int, buffer: int) -> Path:
    """An ART issuance report with one program and vintage."""
    row = {
        "Program ID": program,
        "Program Name": "Costa Rica",
        "Vintage": str(vintage),
        "Total Emission Reductions/Removals": str(total),
        "Credits Deposited in Buffer": str(buffer),
        "Credits Verified": str(total - buffer),
    }
    return _write(path, "art_issuances.csv", [row])


def canonical(path: Path, *blocks: tuple[str, int, int, str | None]) -> Path:
    """A canonical export: ``(batch, first, last, beneficiary or None for active)`` per row."""

    def row(ref: str, first: int, last: int, beneficiary: str | None) -> dict[str, str]:
        scope = SCOPE_A if ref == A else "ART-CR-102-2021-12"
        return {
            "registry": "ART",
            "batch_ref": ref,
            "serial": f"{scope}-{first} to {last}",
            "quantity": str(last - first + 1),
            "status": "active" if beneficiary is None else "retired",
            "beneficiary": beneficiary or "",
            "retired_on": "" if beneficiary is None else "2025-06-30",
            "reason": "",
        }

    return _write(path, "canonical.csv", (row(*block) for block in blocks))


CLEAN_RETIREMENTS: tuple[Row, ...] = (
    ("ART-CR-102-2021-11-1 to 60", "Acme Corp"),
    # One retirement split over two rows, as the registry's own reports do.
    ("ART-CR-102-2021-11-101 to 120", "Globex Inc"),
    ("ART-CR-102-2021-11-121 to 140", "Globex Inc"),
    ("ART-CR-102-2021-12-1 to 50", "Globex Inc"),
)
LISTING_A = (
    (A, 1, 60, "Acme Corp"),
    (A, 61, 100, None),
    (A, 101, 140, "Globex Inc"),
    (A, 141, 1000, None),
)
LISTING_B = ((B, 1, 50, "Globex Inc"), (B, 51, 500, None))


# --- the ledger -------------------------------------------------------------------------------


def build(ledger: UnitOfWork) -> None:
    """Two ART batches; credits retired by a buyer, and by the operator on a buyer's behalf.

    A: 1-60 retired for Acme Corp, 61-100 held by acme, 101-140 retired for Globex Inc, the
    rest available. B: 1-50 retired for Globex Inc, the rest available.
    """
    minting.mint(ledger, document=issuance())
    minting.mint(ledger, document=issuance("LEAF", "ART102-2021-12", 1, 500,
                                           serial_native="ART-CR-102-2021-12-1 to 500"))
    open_buyers(ledger, "acme", "globex")
    reservations.settle(ledger, reservation=reservations.reserve(
        ledger, buyer="acme", quantity=100, batch=A).reservation)
    holdings.retire(ledger, holder="acme", batch=A, quantity=60, beneficiary="Acme Corp",
                    reason="2025 claim", claim_period="2025")
    holdings.retire(ledger, holder="operator", batch=A, quantity=40, beneficiary="Globex Inc",
                    reason="2025 claim", claim_period="2025", on_behalf_of="globex")
    holdings.retire(ledger, holder="operator", batch=B, quantity=50, beneficiary="Globex Inc",
                    reason="2025 claim", claim_period="2025", on_behalf_of="globex")


def run(ledger: UnitOfWork, *exports: Path) -> ReconcileReport:
    build(ledger)
    records = (record for export in exports for record in read_export(export))
    return reconcile(records, StoreLedgerSide(ledger))


# --- the store as the reconciliation sees it ---------------------------------------------------


def test_the_store_side_shows_retired_blocks_with_their_beneficiaries(ledger: UnitOfWork) -> None:
    build(ledger)
    side = StoreLedgerSide(ledger)
    batch = side.batch(A)
    assert batch is not None
    assert (batch.registry, batch.scope, batch.first, batch.last) == ("ART", SCOPE_A, 1, 1000)
    assert batch.blocks == (
        LedgerBlock(1, 60, "retired", "Acme Corp"),
        LedgerBlock(61, 100, "active"),
        LedgerBlock(101, 140, "retired", "Globex Inc"),
        LedgerBlock(141, 1000, "active"),
    )
    assert list(side.batch_refs("ART")) == [A, B]
    assert list(side.batch_refs("Verra")) == []
    assert side.batch("ART:ART102-2021-99") is None


def test_the_store_side_finds_overlapping_batches_only_in_the_same_scope(
    ledger: UnitOfWork,
) -> None:
    build(ledger)
    side = StoreLedgerSide(ledger)
    assert [batch.batch_ref for batch in side.overlapping(SCOPE_A, 990, 1010)] == [A]
    assert list(side.overlapping(SCOPE_A, 1001, 2000)) == []
    assert list(side.overlapping("ART-CR-102-2021-13", 1, 10)) == []


def test_beneficiaries_are_found_for_retirements_from_before_the_batch_snapshot(
    ledger: UnitOfWork,
) -> None:
    minting.mint(ledger, document=issuance())
    open_buyers(ledger, "acme")
    names = ("Acme Corp", "Initech")
    for n in range(60):
        holdings.retire(ledger, holder="operator", batch=A, quantity=1, beneficiary=names[n % 2],
                        reason="claim", claim_period="2025", on_behalf_of="acme")
    snapshots = ledger.events.snapshots
    assert snapshots is not None and list(snapshots.get(ids.batch_id(A)))
    batch = StoreLedgerSide(ledger).batch(A)
    assert batch is not None
    retired = [block for block in batch.blocks if block.state == "retired"]
    assert [(b.first, b.last, b.beneficiary) for b in retired[:3]] == [
        (1, 1, "Acme Corp"),
        (2, 2, "Initech"),
        (3, 3, "Acme Corp"),
    ]
    assert len(retired) == 60 and retired[-1].beneficiary == "Initech"


def test_each_ledger_batch_is_read_once_per_reconciliation(
    ledger: UnitOfWork, tmp_path: Path
) -> None:
    build(ledger)
    reads: list[str] = []
    load = ledger.load_batch

    def counted(reference: str):  # type: ignore[no-untyped-def]
        reads.append(reference)
        return load(reference)

    ledger.load_batch = counted  # type: ignore[method-assign]
    export = art_retirements(tmp_path / "retirements.csv", *CLEAN_RETIREMENTS)
    assert reconcile(read_export(export), StoreLedgerSide(ledger)).reconciled
    assert sorted(reads) == [A, B]


# --- clean reconciliations --------------------------------------------------------------------


def test_retirement_and_issuance_reports_matching_the_ledger_reconcile(
    ledger: UnitOfWork, tmp_path: Path
) -> None:
    report = run(
        ledger,
        art_issuances(tmp_path / "issuances.csv", "ART102", 2021, 1700, 200),
        art_retirements(tmp_path / "retirements.csv", *CLEAN_RETIREMENTS),
    )
    assert report.reconciled, report.render_text()
    assert (report.records_read, report.batches_compared) == (5, 3)


def test_a_canonical_listing_of_every_block_reconciles(ledger: UnitOfWork, tmp_path: Path) -> None:
    report = run(ledger, canonical(tmp_path / "ours.csv", *LISTING_A, *LISTING_B))
    assert report.reconciled, report.render_text()


# --- one scenario per difference class --------------------------------------------------------


def test_registry_retirements_of_a_batch_never_minted_are_missing_in_ledger(
    ledger: UnitOfWork, tmp_path: Path
) -> None:
    extra = ("ART-CR-102-2021-13-1 to 10", "Acme Corp")
    report = run(ledger, art_retirements(tmp_path / "r.csv", *CLEAN_RETIREMENTS, extra))
    difference = only(report)
    assert (difference.kind, difference.batch_ref) == ("missing_in_ledger", "ART:ART102-2021-13")
    assert (difference.registry.ranges, difference.registry.quantity) == (((1, 10),), 10)


def test_a_ledger_batch_the_registry_listing_leaves_out_is_missing_in_registry(
    ledger: UnitOfWork, tmp_path: Path
) -> None:
    difference = only(run(ledger, canonical(tmp_path / "ours.csv", *LISTING_A)))
    assert (difference.kind, difference.batch_ref) == ("missing_in_registry", B)
    assert (difference.ledger.ranges, difference.ledger.quantity) == (((1, 500),), 500)


def test_an_issuance_total_other_than_the_minted_batches_is_a_quantity_mismatch(
    ledger: UnitOfWork, tmp_path: Path
) -> None:
    difference = only(run(ledger, art_issuances(tmp_path / "i.csv", "ART102", 2021, 1800, 200)))
    assert (difference.kind, difference.batch_ref) == ("quantity_mismatch", "ART:ART102-2021")
    assert (difference.registry.quantity, difference.ledger.quantity) == (1600, 1500)
    assert f"{A}, {B}" in difference.detail


def test_a_listing_shifted_by_one_serial_is_a_serial_mismatch_naming_both_ends(
    ledger: UnitOfWork, tmp_path: Path
) -> None:
    shifted = ((A, 2, 60, "Acme Corp"), *LISTING_A[1:3], (A, 141, 1001, None))
    difference = only(run(ledger, canonical(tmp_path / "ours.csv", *shifted, *LISTING_B)))
    assert (difference.kind, difference.batch_ref) == ("serial_mismatch", A)
    assert (difference.registry.ranges, difference.ledger.ranges) == (((1001, 1001),), ((1, 1),))


def test_credits_retired_on_the_registry_but_held_in_the_ledger_are_a_status_mismatch(
    ledger: UnitOfWork, tmp_path: Path
) -> None:
    retired_too = ("ART-CR-102-2021-11-61 to 100", "Acme Corp")
    report = run(ledger, art_retirements(tmp_path / "r.csv", *CLEAN_RETIREMENTS, retired_too))
    difference = only(report)
    assert (difference.kind, difference.batch_ref) == ("status_mismatch", A)
    assert difference.registry.ranges == difference.ledger.ranges == ((61, 100),)
    assert (difference.registry.status, difference.registry.beneficiary) == ("retired", "Acme Corp")
    assert (difference.ledger.status, difference.ledger.beneficiary) == ("active", None)


def test_a_ledger_retirement_the_registry_report_leaves_out_is_a_status_mismatch(
    ledger: UnitOfWork, tmp_path: Path
) -> None:
    without_b = CLEAN_RETIREMENTS[:3]
    difference = only(run(ledger, art_retirements(tmp_path / "r.csv", *without_b)))
    assert (difference.kind, difference.batch_ref) == ("status_mismatch", B)
    assert (difference.ledger.status, difference.ledger.beneficiary) == ("retired", "Globex Inc")
    assert difference.registry.status == "active"


def test_credits_retired_for_someone_else_on_the_registry_are_a_beneficiary_mismatch(
    ledger: UnitOfWork, tmp_path: Path
) -> None:
    rows = (("ART-CR-102-2021-11-1 to 60", "Initech"), *CLEAN_RETIREMENTS[1:])
    difference = only(run(ledger, art_retirements(tmp_path / "r.csv", *rows)))
    assert (difference.kind, difference.batch_ref) == ("beneficiary_mismatch", A)
    assert (difference.registry.beneficiary, difference.ledger.beneficiary) == (
        "Initech",
        "Acme Corp",
    )
    assert difference.registry.ranges == ((1, 60),)


def test_the_same_serials_on_two_rows_of_the_export_are_a_double_mint(
    ledger: UnitOfWork, tmp_path: Path
) -> None:
    again = ("ART-CR-102-2021-11-121 to 140", "Globex Inc")
    export = art_retirements(tmp_path / "r.csv", *CLEAN_RETIREMENTS, again)
    difference = only(run(ledger, export))
    assert (difference.kind, difference.batch_ref) == ("double_mint", A)
    assert difference.registry.ranges == ((121, 140),)
    assert f"{export}:3-4 and {export}:6" in difference.detail


# --- cancellations -----------------------------------------------------------------------------


def art_cancellations(path: Path, *serials: str) -> Path:
    """An ART cancellation report (CORSIA compliance): one row per native serial."""

    def row(serial: str) -> dict[str, str]:
        parsed = parse_native_serial(serial, "ART")
        return {"Vintage": parsed.vintage, "Credit Serial Numbers": serial,
                "Quantity of Credits": str(parsed.count), "Program ID": parsed.project,
                "Program  Country": "COSTA RICA", "Account Holder": "Operator Trading Ltd"}

    return _write(path, "art_cancellations.csv", (row(serial) for serial in serials))


def test_a_ledger_cancellation_reconciles_with_the_registrys_cancellation_report(
    ledger: UnitOfWork, tmp_path: Path
) -> None:
    build(ledger)
    cancellations.cancel(ledger, holder="operator", batch=A, quantity=10, kind="compliance",
                         reason="CORSIA", details="Example Air, first phase")
    side = StoreLedgerSide(ledger)
    assert LedgerBlock(141, 150, "cancelled") in side.batch(A).blocks  # type: ignore[union-attr]
    retired = art_retirements(tmp_path / "r.csv", *CLEAN_RETIREMENTS)
    cancelled = art_cancellations(tmp_path / "c.csv", "ART-CR-102-2021-11-141 to 150")
    report = reconcile((r for e in (retired, cancelled) for r in read_export(e)), side)
    assert list(report.differences) == [], report.differences
    # The same serials reported retired are a status mismatch, not a match.
    as_retired = art_retirements(tmp_path / "r2.csv", *CLEAN_RETIREMENTS,
                                 ("ART-CR-102-2021-11-141 to 150", "Example Air"))
    found = reconcile(read_export(as_retired), StoreLedgerSide(ledger)).differences
    assert [(d.kind, d.registry.status, d.ledger.status) for d in found] == [
        ("status_mismatch", "retired", "cancelled")]


def test_confirm_records_what_the_registry_shows_and_names_stale_pending_ones(
    ledger: UnitOfWork, tmp_path: Path, clock: Clock
) -> None:
    build(ledger)  # three pending retirements: acme 1-60, globex A 101-140, globex B 1-50
    export = art_retirements(tmp_path / "r.csv", *CLEAN_RETIREMENTS[:3])  # not B's
    clock.advance(timedelta(days=15))
    report = reconciling.reconcile(ledger, records=read_export(export), confirm=ledger)
    confirmed = {c["registry_ref"] for c in report.confirmed}
    assert confirmed == {"ART-CR-102-2021-11-1 to 60",
                         "ART-CR-102-2021-11-101 to 120; ART-CR-102-2021-11-121 to 140"}
    stale = [d for d in report.differences if d.kind == "stale_pending"]
    assert [(d.batch_ref, d.ledger.status, d.ledger.beneficiary) for d in stale] == [
        (B, "pending", "Globex Inc")]
    statuses = sorted(r["status"] for r in reads.retired(ledger).retirements)
    assert statuses == ["confirmed", "confirmed", "pending"]
    again = reconciling.reconcile(ledger, records=read_export(export), confirm=ledger)
    assert again.confirmed == ()  # confirmed already: nothing more
    without = reconciling.reconcile(ledger, records=read_export(export))
    assert not [d for d in without.differences if d.kind == "stale_pending"]


def test_an_isometric_issuance_and_its_retirement_ids_reconcile_in_kilograms(
    ledger: UnitOfWork, tmp_path: Path
) -> None:
    """The supplier's share of a real Isometric issuance (4,377,238 kg) minted as one batch;
    one of its serial blocks retired for the buyer the registry names, then confirmed with the
    registry's retirement id."""
    # The ledger minted only the 12,446 kg the export retires, of a 4,377,238 kg issuance.
    document = isometric_issuance(40170350, 40182796, prefix="ISO-1-VAULT-USA-01P4-2026",
                                  issuance_id="iss_1KJFW4WNE1S0D5GA")
    minting.mint(ledger, document=document)
    issuances = EXPORTS / "isometric_issuances.csv"
    found = reconcile(read_export(issuances), StoreLedgerSide(ledger)).differences
    assert {(d.kind, d.batch_ref, d.registry.quantity, d.ledger.quantity) for d in found} == {
        ("missing_in_ledger", "Isometric:iss_1KNWQGW3W1S00T4H", 4923623, None),
        ("missing_in_ledger", "Isometric:iss_1KN0CFPA31S06M3M", 1499721, None),
        ("quantity_mismatch", "Isometric:iss_1KJFW4WNE1S0D5GA", 4377238, 12446)}
    open_buyers(ledger, "acme")
    ref = document.reference
    holdings.retire(ledger, holder="operator", batch=ref, quantity=12446,
                    beneficiary="Contoso Ltd", reason="removals", claim_period="2025",
                    on_behalf_of="acme", idempotency_key="iso-r")
    rows = (EXPORTS / "isometric_credit_batches.csv").read_text(encoding="utf-8").splitlines()
    export = tmp_path / "batches.csv"
    export.write_text("\n".join(rows[:2]) + "\n", encoding="utf-8")
    report = reconciling.reconcile(ledger, records=read_export(export), confirm=ledger)
    assert report.confirmed == ({"retirement": reads.show_retirement(
        ledger, retirement="iso-r").retirement, "registry_ref": "ret_1KNSQMD6Z1S0TB50"},)
