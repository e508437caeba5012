"""Native serial formats of ART, Verra, Isometric and Puro, parsed into inclusive ranges."""

from __future__ import annotations

import pytest

from ledger.serials.native import parse_native_serial, serial_scope


def test_an_art_serial_gives_its_issuance_scope_program_vintage_and_inclusive_range() -> None:
    serial = parse_native_serial("ART-GY-102-2016-9-1 to 1400")
    assert (serial.registry, serial.scope) == ("ART", "ART-GY-102-2016-9")
    assert (serial.first, serial.last, serial.count) == (1, 1400, 1400)
    assert (serial.project, serial.vintage, serial.issuance) == ("ART102", "2016", "9")


def test_the_two_halves_of_a_split_art_block_share_a_scope_and_meet_without_a_gap() -> None:
    head = parse_native_serial("ART-GY-102-2016-9-1 to 1400")
    tail = parse_native_serial("ART-GY-102-2016-9-1401 to 1408")
    assert head.scope == tail.scope
    assert head.last + 1 == tail.first
    assert head.count + tail.count == 1408


def test_an_fcpf_serial_on_the_art_registry_maps_to_its_art_program_id() -> None:
    serial = parse_native_serial("FCPF-CI-130-2023-20-1 to 46404", "ART")
    assert (serial.scope, serial.project, serial.count) == ("FCPF-CI-130-2023-20", "ART130", 46404)


def test_art_numbering_restarts_per_issuance_so_two_issuances_are_two_scopes() -> None:
    reductions = parse_native_serial("FCPF-CI-130-2023-20-1 to 46404")
    removals = parse_native_serial("FCPF-CI-130-2023-21-1 to 63392")
    assert reductions.scope != removals.scope


def test_a_verra_13_segment_serial_reads_segments_2_and_3_as_an_inclusive_range() -> None:
    text = "19385-941467007-941467431-VCS-VCU-1507-VER-ET-14-1340-01012020-31122020-1"
    serial = parse_native_serial(text)
    assert (serial.registry, serial.scope) == ("Verra", "VCS-VCU")
    assert (serial.first, serial.last, serial.count) == (941467007, 941467431, 425)
    assert (serial.project, serial.issuance) == ("1340", "19385")
    assert serial.vintage == "2020-01-01/2020-12-31"
    assert serial.verbatim == text


def test_a_legacy_12_segment_verra_serial_parses_into_the_same_numbering_scope() -> None:
    serial = parse_native_serial("240-7863589-7889021-VCU-003-APX-IN-1-101-01042006-18032007-0")
    assert (serial.scope, serial.first, serial.last, serial.count) == (
        "VCS-VCU",
        7863589,
        7889021,
        25433,
    )
    assert (serial.project, serial.vintage) == ("101", "2006-04-01/2007-03-18")


def test_a_verra_serial_with_an_impossible_vintage_date_is_refused() -> None:
    with pytest.raises(ValueError, match="DDMMYYYY, found '31022020'"):
        parse_native_serial("1-1-5-VCS-VCU-1-VER-ET-14-1340-31022020-31122020-1")


def test_an_isometric_range_is_half_open_in_kilograms() -> None:
    serial = parse_native_serial("ISO-1-VAULT-USA-01P4-2026-40170350-40182796")
    assert (serial.first, serial.last) == (40170350, 40182795)
    # The registry's own row gives size.credit_kgs 12446 and size.credits 12.446 for this range.
    assert serial.count == 12446
    assert serial.serial_size_kg == 1
    assert (serial.scope, serial.project, serial.vintage) == (
        "ISO-1-VAULT-USA-01P4-2026",
        "VAULT-USA-01P4",
        "2026",
    )


def test_the_children_of_a_split_isometric_batch_share_their_boundary_number_without_overlap() -> (
    None
):
    left = parse_native_serial("ISO-1-VAULT-USA-01P4-2026-41646450-41652061")
    right = parse_native_serial("ISO-1-VAULT-USA-01P4-2026-41652061-41652310")
    assert left.last + 1 == right.first
    assert (left.count, right.count) == (5611, 249)


def test_an_empty_isometric_range_is_refused() -> None:
    with pytest.raises(ValueError, match="start < end"):
        parse_native_serial("ISO-1-VAULT-USA-01P4-2026-40-40")


def test_a_puro_certificate_range_is_inclusive_and_scoped_to_its_issuance() -> None:
    text = "PURO_PR_CORC100+_FI_577166_2020_055a3fbe-eabc-4535-b9cf-1028e7d18f89_1-100"
    serial = parse_native_serial(text, "puro")
    assert (serial.registry, serial.first, serial.last, serial.count) == ("Puro", 1, 100, 100)
    assert serial.scope == "PURO_PR_CORC100+_FI_577166_2020_055a3fbe-eabc-4535-b9cf-1028e7d18f89"
    assert serial.issuance == "055a3fbe-eabc-4535-b9cf-1028e7d18f89"


def test_a_serial_of_another_registry_is_refused_when_the_registry_is_named() -> None:
    with pytest.raises(ValueError, match=r"expected Verra serial like .* found 'ART-GY-102"):
        parse_native_serial("ART-GY-102-2016-9-1 to 1400", "Verra")


def test_unparseable_text_says_which_formats_were_expected() -> None:
    with pytest.raises(ValueError) as raised:
        parse_native_serial("not a serial")
    assert "ART serial like" in str(raised.value)
    assert "Isometric serial like" in str(raised.value)
    assert str(raised.value).endswith("found 'not a serial'")


def test_an_art_range_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="first <= last"):
        parse_native_serial("ART-GY-102-2016-9-1400 to 1")


def test_a_registry_without_a_known_format_is_refused_by_the_parser() -> None:
    with pytest.raises(ValueError, match="found 'Gold Standard'"):
        parse_native_serial("GS1-1-IN-GS1247-12-2021-20355-1-500", "Gold Standard")


@pytest.mark.parametrize(
    ("registry", "text", "scope"),
    [
        ("ART", "ART-CR-102-2021-11-1 to 250000", "ART-CR-102-2021-11"),
        ("art", "ART-CR-102-2021-11-1 to 250000", "ART-CR-102-2021-11"),
        ("Isometric", "ISO-1-DAC-USA-0007-2026-40170350-40182796", "ISO-1-DAC-USA-0007-2026"),
        ("Verra", "19385-1-425-VCS-VCU-1507-VER-ET-14-1340-01012020-31122020-1", "VCS-VCU"),
    ],
)
def test_serial_scope_names_the_numbering_space_of_a_recognised_serial(
    registry: str, text: str, scope: str
) -> None:
    assert serial_scope(registry, text) == scope


@pytest.mark.parametrize(
    ("registry", "text"),
    [
        ("Gold Standard", "GS1-1-IN-GS1247-12-2021-20355-1-500"),
        ("ART", "garbled"),
        ("Isometric", ""),
        ("Verra", "ART-GY-102-2016-9-1 to 1400"),
    ],
)
def test_serial_scope_falls_back_to_the_registry_name_and_never_raises(
    registry: str, text: str
) -> None:
    assert serial_scope(registry, text) == registry
