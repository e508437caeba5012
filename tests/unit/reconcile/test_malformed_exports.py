"""An export that cannot be read fails with InvalidExport (exit 4) naming the row and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.errors import FileNotFound, InvalidArgument, InvalidExport
from ledger.reconcile.readers import detect_format, read_export

EXPORTS = Path(__file__).resolve().parents[2] / "fixtures" / "exports"


def _error(path: Path, layout: str = "auto") -> InvalidExport:
    with pytest.raises(InvalidExport) as raised:
        list(read_export(path, layout))
    assert raised.value.exit_code == 4
    return raised.value


def test_a_missing_column_is_named_with_row_1() -> None:
    error = _error(EXPORTS / "bad_art_missing_column.csv")
    assert "row 1: missing column 'Status Effective' of the ART retirement" in error.message


def test_a_missing_column_is_named_when_the_layout_is_given(tmp_path: Path) -> None:
    export = tmp_path / "vcus.csv"
    export.write_text("Issuance Date,ID,Quantity Issued\n01/01/2020,1,1\n")
    assert "missing column 'Serial Number'" in _error(export, "verra").message


def test_a_bad_serial_names_its_row_and_column_with_expected_and_found() -> None:
    error = _error(EXPORTS / "bad_art_serial.csv")
    assert "row 3, column 'Credit Serial Numbers'" in error.message
    assert "expected ART serial like 'ART-GY-102-2016-9-1 to 1400'" in error.message
    assert "found 'ART-GY-102-2016-9-1401-1408'" in error.message


def test_a_bad_number_names_its_row_and_column() -> None:
    error = _error(EXPORTS / "bad_verra_number.csv")
    assert "row 3, column 'Quantity Issued'" in error.message
    assert "found '28,57l'" in error.message


def test_a_quantity_that_is_not_the_size_of_the_serial_range_is_refused() -> None:
    error = _error(EXPORTS / "bad_verra_quantity.csv")
    assert "row 4, column 'Quantity Issued': expected 1000" in error.message
    assert "found 1001" in error.message


def test_an_isometric_size_that_disagrees_with_its_half_open_range_is_refused() -> None:
    error = _error(EXPORTS / "bad_isometric_size.csv")
    assert "row 2, column 'size.credit_kgs': expected 12446" in error.message


def test_isometric_tonnes_must_be_the_kilograms_over_a_thousand(tmp_path: Path) -> None:
    lines = (EXPORTS / "isometric_credit_batches.csv").read_text().splitlines()
    export = tmp_path / "batches.csv"
    export.write_text("\n".join([lines[0], lines[1].replace(",12.446,", ",12.5,")]) + "\n")
    assert "row 2, column 'size.credits': expected 12.446" in _error(export).message


def test_an_unknown_isometric_status_is_refused(tmp_path: Path) -> None:
    lines = (EXPORTS / "isometric_credit_batches.csv").read_text().splitlines()
    export = tmp_path / "batches.csv"
    export.write_text("\n".join([lines[0], lines[1].replace(",retired,", ",pending,", 1)]) + "\n")
    assert (
        "column 'status': expected active, retired or split, found 'pending'"
        in _error(export).message
    )


def test_a_canonical_value_of_the_wrong_type_names_its_row_and_field() -> None:
    error = _error(EXPORTS / "bad_canonical.jsonl")
    assert "row 2, column 'quantity'" in error.message
    assert "found 'eight'" in error.message


def test_a_canonical_row_without_any_serials_is_refused(tmp_path: Path) -> None:
    export = tmp_path / "ours.csv"
    export.write_text("registry,batch_ref,quantity,status\nART,ART:ART102-2016-9,8,active\n")
    assert "row 2" in _error(export).message


def test_a_canonical_serial_that_disagrees_with_its_explicit_range_is_refused(
    tmp_path: Path,
) -> None:
    export = tmp_path / "ours.csv"
    export.write_text(
        "registry,batch_ref,serial,first,quantity,status\n"
        "ART,ART:ART102-2016-9,ART-GY-102-2016-9-1 to 8,2,8,active\n"
    )
    assert "row 2, column 'first': expected 1 (from the serial), found 2" in _error(export).message


def test_an_unknown_canonical_column_is_refused(tmp_path: Path) -> None:
    export = tmp_path / "ours.csv"
    export.write_text("registry,batch_ref,quantity,status,colour\n")
    assert "row 1: unknown column 'colour'" in _error(export).message


def test_a_json_array_cut_short_names_the_row(tmp_path: Path) -> None:
    export = tmp_path / "ours.json"
    first = (EXPORTS / "canonical.jsonl").read_text().splitlines()[0]
    export.write_text(f'[{first}, {{"registry": ')
    assert "row 2: not JSON" in _error(export).message


def test_a_missing_canonical_field_is_named(tmp_path: Path) -> None:
    export = tmp_path / "ours.jsonl"
    export.write_text('{"registry": "ART"}\n')
    assert "row 1, column 'batch_ref': expected a value, found none" in _error(export).message


def test_a_json_array_holding_something_other_than_objects_is_refused(tmp_path: Path) -> None:
    export = tmp_path / "ours.json"
    export.write_text("[1, 2]")
    assert "row 1: expected a JSON object, found 1" in _error(export).message


def test_text_that_is_not_utf8_names_the_row(tmp_path: Path) -> None:
    export = tmp_path / "vcus.csv"
    lines = (EXPORTS / "verra_transactions.csv").read_bytes().splitlines(keepends=True)
    export.write_bytes(b"".join(lines[:2]) + b"\xff\xfe broken\r\n" * 3000)
    message = _error(export, "verra").message
    assert "unreadable CSV" in message


def test_a_layout_the_header_does_not_match_is_refused() -> None:
    with pytest.raises(InvalidExport, match="cannot tell the layout"):
        detect_format(EXPORTS / "unknown_layout.csv")


def test_an_unknown_format_name_is_a_usage_error() -> None:
    with pytest.raises(InvalidArgument, match="found 'excel'"):
        read_export(EXPORTS / "verra_transactions.csv", "excel")


def test_a_missing_file_is_not_found() -> None:
    with pytest.raises(FileNotFound):
        read_export(EXPORTS / "no_such_export.csv")
