"""Issuance documents: what is accepted, what is refused and how the refusal reads."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ledger.documents import parse_issuance, validate_issuance
from ledger.errors import InvalidDocument
from tests.support.builders import EXAMPLES, example_data


@pytest.mark.parametrize("name", ["leaf-issuance.json", "dac-issuance.json",
                                  "isometric-issuance.json"])
def test_the_shipped_examples_are_valid(name: str) -> None:
    document = parse_issuance((EXAMPLES / name).read_bytes(), name)
    assert document.quantity == document.serial_last - document.serial_first + 1


def refusal(data: Any) -> str:
    with pytest.raises(InvalidDocument) as raised:
        validate_issuance(data, "doc.json")
    message = raised.value.message
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"quantity": 5}, "quantity must equal serial_last - serial_first + 1 (250000), found 5"),
        ({"serial_last": 0}, "serial_last must be >= serial_first (1), found 0"),
        ({"quantity": 0}, "field `quantity`"),
        ({"quantity": -3}, "field `quantity`"),
        ({"quantity": 2.5}, "field `quantity`"),
        ({"quantity": True}, "field `quantity`"),
        ({"unexpected": 1}, "field `unexpected`: unknown field"),
        ({"source": "REDD"}, 'field `source`: expected "LEAF" or "DAC", found "REDD"'),
        ({"project": {"id": "p", "name": "n", "country": "CRI"}}, "project.country"),
        ({"corresponding_adjustment": "maybe"}, "corresponding_adjustment"),
        ({"issued_on": "18/03/2024"}, "issued_on"),
        ({"serial_native": "ART-CR-102-2021-11-5 to 250004"},
         "serial_native must name serials 1..250000, found 5..250004"),
        ({"serial_native": "ART 1 to 250000"}, "expected ART serial like"),
    ],
)
def test_bad_fields_are_refused_naming_the_field(change: dict[str, Any], expected: str) -> None:
    data = example_data("LEAF") | change
    assert expected in refusal(data)


def test_a_missing_field_is_named() -> None:
    data = example_data("LEAF")
    del data["vintage"]
    assert refusal(data) == "doc.json: field `vintage`: required field is missing"


def test_dac_net_removal_must_cover_the_quantity() -> None:
    data = example_data("DAC")
    data["removal"] = {"gross_tonnes": 20000, "net_tonnes": 100}
    assert "removal.net_tonnes must cover quantity (12447 t), found 100 t" in refusal(data)


def isometric(first: int = 78177, end: int = 81177, net_tonnes: int = 3) -> dict[str, object]:
    """An Isometric DAC batch: kilogram serials, written half-open by the registry."""
    data = example_data("DAC")
    data.update(registry="Isometric", issuance_id="BSTORE-2024-1",
                serial_native=f"ISO-1-BSTORE-GBR-F5X7-2024-{first}-{end}",
                serial_first=first, serial_last=end - 1, quantity=end - first)
    data["removal"] = {"gross_tonnes": net_tonnes + 1, "net_tonnes": net_tonnes}
    return data


def test_an_isometric_batch_counts_kilograms_its_serials_written_half_open() -> None:
    document = validate_issuance(isometric())
    assert (document.unit, document.quantity) == ("kg", 3000)
    assert validate_issuance(example_data("DAC")).unit == "t"


def test_isometric_serials_must_be_the_kilograms_the_native_range_names() -> None:
    data = isometric()
    data.update(serial_first=79, serial_last=81, quantity=3)  # tonnes: the old mistake
    assert ("must name serials 79..81, found 78177..81176 (kg; half-open, it ends at 81177)"
            in refusal(data))


def test_net_removal_in_tonnes_must_cover_a_quantity_in_kilograms() -> None:
    assert "must cover quantity (3000 kg), found 2 t" in refusal(isometric(net_tonnes=2))


def test_dac_durability_below_100_years_is_refused() -> None:
    data = example_data("DAC")
    data["storage"] = dict(data["storage"], durability_years=50)
    assert "storage.durability_years" in refusal(data)


def test_malformed_json_is_refused_in_one_line() -> None:
    with pytest.raises(InvalidDocument, match="expected JSON"):
        parse_issuance(b'{"source": ', "doc.json")


def test_a_json_array_is_refused() -> None:
    with pytest.raises(InvalidDocument, match="expected a JSON object, found list"):
        parse_issuance(json.dumps([1]).encode(), "doc.json")


def test_an_oversized_document_is_refused_before_parsing() -> None:
    with pytest.raises(InvalidDocument, match="at most"):
        parse_issuance(b" " * 2_000_000, "doc.json")
