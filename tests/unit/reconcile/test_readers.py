"""Readers turn each registry's published layout into registry records, one per row."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ledger.errors import InvalidExport
from ledger.reconcile.readers import detect_format, read_export

EXPORTS = Path(__file__).resolve().parents[2] / "fixtures" / "exports"


@pytest.mark.parametrize(
    ("name", "layout"),
    [
        ("art_issuances.csv", "art-issuances"),
        ("art_retirements.csv", "art-retirements"),
        ("art_cancellations.csv", "art-retirements"),
        ("verra_transactions.csv", "verra"),
        ("isometric_credit_batches.csv", "isometric"),
        ("canonical.csv", "canonical"),
        ("canonical.jsonl", "canonical"),
        ("canonical.json", "canonical"),
    ],
)
def test_the_layout_is_told_from_the_header(name: str, layout: str) -> None:
    assert detect_format(EXPORTS / name) == layout


def test_the_art_issuance_report_gives_issuance_totals_net_of_the_buffer() -> None:
    records = list(read_export(EXPORTS / "art_issuances.csv"))
    assert [(r.batch_ref, r.quantity, r.status, r.first) for r in records] == [
        ("ART:ART130-2023", 5000, "issued", None),
        ("ART:ART102-2016", 1408, "issued", None),
    ]


def test_the_art_retirement_report_reads_split_blocks_as_two_retirements_of_one_batch() -> None:
    records = list(read_export(EXPORTS / "art_retirements.csv"))
    guyana = [r for r in records if r.batch_ref == "ART:ART102-2016-9"]
    assert [(r.first, r.last, r.quantity, r.row) for r in guyana] == [
        (1, 1400, 1400, 3),
        (1401, 1408, 8, 4),
    ]
    assert {r.status for r in guyana} == {"retired"}
    assert guyana[0].retired_on == date(2023, 6, 27)
    assert guyana[0].serial_verbatim == "ART-GY-102-2016-9-1 to 1400"
    assert not guyana[0].lists_all_serials


def test_an_art_retirement_names_the_party_it_was_retired_on_behalf_of() -> None:
    fcpf = next(iter(read_export(EXPORTS / "art_retirements.csv")))
    assert (fcpf.batch_ref, fcpf.scope) == ("ART:ART130-2023-20", "FCPF-CI-130-2023-20")
    assert fcpf.beneficiary == "Contoso Ltd"
    assert fcpf.reason == "Contribution Towards Corporate Climate Pledge AND Host Country NDC"


def test_an_art_retirement_with_no_on_behalf_of_party_names_the_account_holder() -> None:
    records = list(read_export(EXPORTS / "art_retirements.csv"))
    assert records[1].beneficiary == "Northwind Traders"


def test_the_art_cancellation_report_reads_cancelled_blocks() -> None:
    (record,) = read_export(EXPORTS / "art_cancellations.csv")
    assert (record.batch_ref, record.first, record.last) == ("ART:ART102-2021-11", 2759599, 2760598)
    assert (record.status, record.reason, record.beneficiary) == (
        "cancelled",
        "CORSIA Compliance",
        None,
    )


def test_the_verra_export_reads_thousands_separators_a_bom_and_day_first_dates() -> None:
    records = list(read_export(EXPORTS / "verra_transactions.csv"))
    assert [(r.batch_ref, r.quantity, r.status) for r in records] == [
        ("Verra:VCS1340-19385", 425, "active"),
        ("Verra:VCS3005-19381", 28571, "retired_or_cancelled"),
        ("Verra:VCS3005-19381", 1000, "active"),
        ("Verra:VCS101-240", 25433, "retired_or_cancelled"),
    ]
    retired = records[1]
    assert (retired.beneficiary, retired.retired_on) == ("Tailspin Toys", date(2026, 4, 6))
    assert retired.reason == "Environmental Benefit"
    assert all(r.lists_all_serials for r in records)


def test_the_verra_export_also_reads_iso_dates(tmp_path: Path) -> None:
    lines = (EXPORTS / "verra_transactions.csv").read_text(encoding="utf-8-sig").splitlines()
    export = tmp_path / "vcus.csv"
    export.write_text("\n".join([lines[0], lines[2].replace("06/04/2026", "2026-04-06")]) + "\n")
    (record,) = read_export(export, "verra")
    assert record.retired_on == date(2026, 4, 6)


def test_the_legacy_verra_serial_reads_as_a_retired_block_without_beneficiary() -> None:
    legacy = list(read_export(EXPORTS / "verra_transactions.csv"))[-1]
    assert (legacy.first, legacy.last, legacy.beneficiary) == (7863589, 7889021, None)
    assert legacy.retired_on == date(2015, 6, 17)


def test_isometric_batches_count_kilograms_and_a_split_parent_is_left_out() -> None:
    records = list(read_export(EXPORTS / "isometric_credit_batches.csv"))
    assert [(r.first, r.last, r.quantity, r.status, r.row) for r in records] == [
        (40170350, 40182795, 12446, "retired", 2),
        (41646450, 41652060, 5611, "retired", 4),
        (41652061, 41652309, 249, "active", 5),
    ]
    assert {r.batch_ref for r in records} == {"Isometric:iss_1KJFW4WNE1S0D5GA"}
    assert records[0].beneficiary == "Contoso Ltd"
    assert records[0].retired_on == date(2026, 4, 9)
    assert records[2].beneficiary is None


@pytest.mark.parametrize("name", ["canonical.csv", "canonical.jsonl", "canonical.json"])
def test_the_canonical_layout_reads_the_same_from_csv_json_lines_and_a_json_array(
    name: str,
) -> None:
    records = list(read_export(EXPORTS / name))
    assert [(r.batch_ref, r.scope, r.first, r.last, r.status) for r in records] == [
        ("ART:ART102-2016-9", "ART-GY-102-2016-9", 1, 1400, "retired"),
        ("ART:ART102-2016-9", "ART-GY-102-2016-9", 1401, 1408, "active"),
        ("GS:GS1247-2021-7", "GS1247", 1, 500, "active"),
    ]
    assert records[0].retired_on == date(2023, 6, 27)
    assert records[0].beneficiary == "Northwind Traders"


def test_a_json_array_is_streamed_across_chunk_boundaries(tmp_path: Path) -> None:
    row = '{"registry": "ART", "batch_ref": "ART:ART102-2016-9", "scope": "S", "first": %d,'
    row += ' "last": %d, "quantity": 1, "status": "active", "reason": "%s"}'
    export = tmp_path / "big.json"
    count = 3000
    padding = "x" * 40
    export.write_text("[\n" + ",\n".join(row % (n, n, padding) for n in range(count)) + "\n]\n")
    records = list(read_export(export))
    assert [r.first for r in records] == list(range(count))
    assert records[-1].row == count


def test_an_empty_json_array_has_no_records(tmp_path: Path) -> None:
    export = tmp_path / "empty.json"
    export.write_text(" [ ] ")
    assert list(read_export(export)) == []


def test_isometric_issuances_are_totals_of_the_suppliers_share_in_kilograms() -> None:
    records = list(read_export(EXPORTS / "isometric_issuances.csv"))
    assert [(r.batch_ref, r.quantity, r.status, r.first) for r in records] == [
        ("Isometric:iss_1KNWQGW3W1S00T4H", 4923623, "issued", None),
        ("Isometric:iss_1KN0CFPA31S06M3M", 1499721, "issued", None),
        ("Isometric:iss_1KJFW4WNE1S0D5GA", 4377238, "issued", None),
    ]


def test_an_isometric_issuance_whose_shares_do_not_add_up_is_refused(tmp_path: Path) -> None:
    text = (EXPORTS / "isometric_issuances.csv").read_text(encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(text.replace(",4923623,", ",4923624,"), encoding="utf-8")
    with pytest.raises(InvalidExport, match=r"credit_batch_size_total\.credit_kgs"):
        list(read_export(bad))


def test_a_retired_isometric_batch_carries_the_registrys_retirement_id() -> None:
    retired = [r for r in read_export(EXPORTS / "isometric_credit_batches.csv")
               if r.status == "retired"]
    assert retired and all(r.registry_ref == "ret_1KNSQMD6Z1S0TB50" for r in retired[:1])
