"""Registry exports against the ledger: clean runs, then one scenario per difference class."""

from __future__ import annotations

from pathlib import Path

from ledger.errors import InvalidExport
from ledger.reconcile.compare import reconcile
from ledger.reconcile.ledger_side import LedgerBlock, MemoryLedgerSide
from ledger.reconcile.readers import read_export
from tests.unit.reconcile.ledger_builders import (
    EXPORTS,
    active,
    art_ledger,
    batch,
    isometric_ledger,
    only,
    retired,
    run,
    verra_ledger,
)


def test_art_retirement_and_issuance_reports_reconcile_with_a_matching_ledger() -> None:
    report = run(art_ledger(), "art_issuances.csv", "art_retirements.csv")
    assert report.reconciled, report.render_text()
    assert (report.records_read, report.batches_compared) == (5, 4)


def test_a_verra_export_with_legacy_serials_reconciles_with_a_matching_ledger() -> None:
    report = run(verra_ledger(), "verra_transactions.csv")
    assert report.reconciled, report.render_text()


def test_verras_used_bucket_matches_a_cancellation_or_a_retirement_never_an_active_block(
) -> None:
    ledger = verra_ledger()
    ledger[1] = batch("Verra:VCS3005-19381", "VCS-VCU", 941412555, 941442125,
                      LedgerBlock(941412555, 941441125, "cancelled"),
                      active(941441126, 941442125))
    assert run(ledger, "verra_transactions.csv").reconciled
    ledger[1] = batch("Verra:VCS3005-19381", "VCS-VCU", 941412555, 941442125)
    found = only(run(ledger, "verra_transactions.csv"))
    assert (found.kind, found.registry.status, found.ledger.status) == (
        "status_mismatch", "retired_or_cancelled", "active")


def test_isometric_batches_reconcile_by_serials_when_the_ledger_names_batches_otherwise() -> None:
    report = run(isometric_ledger(), "isometric_credit_batches.csv")
    assert report.reconciled, report.render_text()


def test_the_canonical_export_reconciles_with_a_matching_ledger() -> None:
    ledger = [
        batch(
            "ART:ART102-2016-9",
            "ART-GY-102-2016-9",
            1,
            1408,
            retired(1, 1400, "Northwind Traders"),
            active(1401, 1408),
        ),
        batch("GS:GS1247-2021-7", "GS1247", 1, 500),
    ]
    assert run(ledger, "canonical.json").reconciled


def test_beneficiaries_match_whatever_their_case_and_spacing() -> None:
    ledger = art_ledger()
    ledger[0] = batch(
        "ART:ART102-2016-9",
        "ART-GY-102-2016-9",
        1,
        1408,
        retired(1, 1408, "  northwind   TRADERS "),
    )
    assert run(ledger, "art_retirements.csv").reconciled


def test_a_registry_batch_the_ledger_never_minted_is_missing_in_ledger() -> None:
    difference = only(run(verra_ledger()[:2], "verra_transactions.csv"))
    assert (difference.kind, difference.batch_ref) == ("missing_in_ledger", "Verra:VCS101-240")
    assert difference.registry.ranges == ((7863589, 7889021),)
    assert difference.registry.quantity == 25433


def test_an_issuance_total_with_no_ledger_batch_is_missing_in_ledger() -> None:
    difference = only(run(art_ledger()[:1], "art_issuances.csv"))
    assert (difference.kind, difference.batch_ref) == ("missing_in_ledger", "ART:ART130-2023")
    assert difference.registry.quantity == 5000


def test_a_ledger_batch_a_full_listing_leaves_out_is_missing_in_registry() -> None:
    extra = batch("Verra:VCS4150-19309", "VCS-VCU", 936491272, 936491452)
    difference = only(run([*verra_ledger(), extra], "verra_transactions.csv"))
    assert (difference.kind, difference.batch_ref) == ("missing_in_registry", "Verra:VCS4150-19309")
    assert (difference.ledger.ranges, difference.ledger.quantity) == (
        ((936491272, 936491452),),
        181,
    )


def test_a_retirement_report_says_nothing_of_unretired_batches_it_leaves_out() -> None:
    unretired = batch("ART:ART102-2021-11", "ART-GY-102-2021-11", 1, 250000)
    assert run([*art_ledger(), unretired], "art_retirements.csv").reconciled


def test_ledger_batches_minting_less_than_the_issuance_total_are_a_quantity_mismatch() -> None:
    ledger = art_ledger()
    ledger[2] = batch("ART:ART130-2023-21", "FCPF-CI-130-2023-21", 1, 2999)
    difference = only(run(ledger, "art_issuances.csv"))
    assert (difference.kind, difference.batch_ref) == ("quantity_mismatch", "ART:ART130-2023")
    assert (difference.registry.quantity, difference.ledger.quantity) == (5000, 4999)
    assert "ART:ART130-2023-20, ART:ART130-2023-21" in difference.detail


def test_a_batch_minted_larger_than_listed_shows_the_quantity_and_the_extra_serials() -> None:
    ledger = verra_ledger()
    ledger[0] = batch("Verra:VCS1340-19385", "VCS-VCU", 941467007, 941467531)
    report = run(ledger, "verra_transactions.csv")
    assert [d.kind for d in report.differences] == ["quantity_mismatch", "serial_mismatch"]
    quantity, serials = report.differences
    assert (quantity.registry.quantity, quantity.ledger.quantity) == (425, 525)
    assert (serials.registry.ranges, serials.ledger.ranges) == ((), ((941467432, 941467531),))


def test_a_shifted_range_reports_exactly_the_serials_each_side_alone_holds() -> None:
    ledger = verra_ledger()
    ledger[1] = batch(
        "Verra:VCS3005-19381",
        "VCS-VCU",
        941412556,
        941442126,
        retired(941412556, 941441125, "Tailspin Toys"),
        active(941441126, 941442126),
    )
    difference = only(run(ledger, "verra_transactions.csv"))
    assert difference.kind == "serial_mismatch"
    assert difference.registry.ranges == ((941412555, 941412555),)
    assert difference.ledger.ranges == ((941442126, 941442126),)
    assert (difference.registry.quantity, difference.ledger.quantity) == (1, 1)


def test_a_batch_numbered_in_another_scope_is_a_serial_mismatch() -> None:
    ledger = [
        batch(
            "ART:ART102-2016-9", "ART-GY-102-2016-8", 1, 1408, retired(1, 1408, "Northwind Traders")
        ),
        *art_ledger()[1:],
    ]
    difference = only(run(ledger, "art_retirements.csv"))
    assert difference.kind == "serial_mismatch"
    assert "ART-GY-102-2016-9" in difference.detail and "ART-GY-102-2016-8" in difference.detail


def test_credits_retired_on_the_registry_but_active_in_the_ledger_are_a_status_mismatch() -> None:
    ledger = art_ledger()
    ledger[0] = batch(
        "ART:ART102-2016-9",
        "ART-GY-102-2016-9",
        1,
        1408,
        retired(1, 1400, "Northwind Traders"),
        active(1401, 1408),
    )
    difference = only(run(ledger, "art_retirements.csv"))
    assert (difference.kind, difference.batch_ref) == ("status_mismatch", "ART:ART102-2016-9")
    assert (difference.registry.status, difference.registry.beneficiary) == (
        "retired",
        "Northwind Traders",
    )
    assert (difference.ledger.status, difference.ledger.beneficiary) == ("active", None)
    assert difference.registry.ranges == difference.ledger.ranges == ((1401, 1408),)


def test_a_ledger_retirement_absent_from_the_retirement_report_is_a_status_mismatch() -> None:
    ledger = art_ledger()
    ledger[2] = batch(
        "ART:ART130-2023-21",
        "FCPF-CI-130-2023-21",
        1,
        3000,
        retired(1, 100, "Contoso Ltd"),
        active(101, 3000),
    )
    difference = only(run(ledger, "art_retirements.csv"))
    assert (difference.kind, difference.ledger.ranges) == ("status_mismatch", ((1, 100),))
    assert (difference.registry.status, difference.ledger.beneficiary) == ("active", "Contoso Ltd")
    assert "does not list these serials" in difference.detail


def test_a_ledger_retirement_is_checked_against_the_report_even_when_an_issuance_names_it() -> None:
    ledger = art_ledger()
    ledger[2] = batch(
        "ART:ART130-2023-21",
        "FCPF-CI-130-2023-21",
        1,
        3000,
        retired(1, 100, "Contoso Ltd"),
        active(101, 3000),
    )
    difference = only(run(ledger, "art_issuances.csv", "art_retirements.csv"))
    assert (difference.kind, difference.batch_ref) == ("status_mismatch", "ART:ART130-2023-21")


def test_an_issuance_report_alone_does_not_question_ledger_retirements() -> None:
    ledger = art_ledger()
    ledger[2] = batch(
        "ART:ART130-2023-21",
        "FCPF-CI-130-2023-21",
        1,
        3000,
        retired(1, 100, "Contoso Ltd"),
        active(101, 3000),
    )
    assert run(ledger, "art_issuances.csv").reconciled


def test_a_ledger_batch_outside_every_issuance_of_the_issuance_report_is_missing_in_registry() -> (
    None
):
    extra = batch("ART:ART102-2021-11", "ART-GY-102-2021-11", 1, 250000)
    difference = only(run([*art_ledger(), extra], "art_issuances.csv"))
    assert (difference.kind, difference.batch_ref) == ("missing_in_registry", "ART:ART102-2021-11")


def test_adjacent_rows_in_the_same_state_report_as_one_range() -> None:
    ledger = art_ledger()
    ledger[0] = batch("ART:ART102-2016-9", "ART-GY-102-2016-9", 1, 1408)
    difference = only(run(ledger, "art_retirements.csv"))
    assert (difference.kind, difference.registry.ranges) == ("status_mismatch", ((1, 1408),))


def test_credits_retired_for_someone_else_in_the_ledger_are_a_beneficiary_mismatch() -> None:
    ledger = verra_ledger()
    ledger[1] = batch(
        "Verra:VCS3005-19381",
        "VCS-VCU",
        941412555,
        941442125,
        retired(941412555, 941441125, "Woodgrove Bank"),
        active(941441126, 941442125),
    )
    difference = only(run(ledger, "verra_transactions.csv"))
    assert difference.kind == "beneficiary_mismatch"
    assert (difference.registry.beneficiary, difference.ledger.beneficiary) == (
        "Tailspin Toys",
        "Woodgrove Bank",
    )
    assert difference.registry.ranges == ((941412555, 941441125),)


def test_the_same_registry_serials_in_two_ledger_batches_are_a_double_mint() -> None:
    twin = batch("ART:ART102-2016-9-resubmitted", "ART-GY-102-2016-9", 1401, 2000)
    report = run([*art_ledger(), twin], "art_retirements.csv")
    difference = next(d for d in report.differences if d.kind == "double_mint")
    assert (difference.batch_ref, difference.other_batch_ref) == (
        "ART:ART102-2016-9",
        "ART:ART102-2016-9-resubmitted",
    )
    assert difference.ledger.ranges == ((1401, 1408),)
    assert report.counts()["double_mint"] == 1


def test_the_same_serials_on_two_rows_of_the_export_are_a_double_mint(tmp_path: Path) -> None:
    lines = (EXPORTS / "art_retirements.csv").read_text().splitlines()
    again = lines[3].replace("1401 to 1408,8", "1001 to 1408,408")
    export = tmp_path / "retirements.csv"
    export.write_text("\n".join([*lines, again]) + "\n")
    report = reconcile(read_export(export), MemoryLedgerSide(art_ledger()))
    difference = next(d for d in report.differences if d.kind == "double_mint")
    assert difference.registry.ranges == ((1001, 1408),)
    assert f"{export}:3-4 and {export}:5" in difference.detail


def test_one_batch_reference_in_two_scopes_makes_the_export_invalid(tmp_path: Path) -> None:
    export = tmp_path / "ours.csv"
    export.write_text(
        "registry,batch_ref,scope,first,last,quantity,status\n"
        "ART,ART:X-1,S1,1,5,5,active\n"
        "ART,ART:X-1,S2,6,9,4,active\n"
    )
    try:
        reconcile(read_export(export), MemoryLedgerSide([]))
    except InvalidExport as error:
        assert "row 3: expected batch ART:X-1 in scope S1" in error.message
    else:
        raise AssertionError("expected InvalidExport")
