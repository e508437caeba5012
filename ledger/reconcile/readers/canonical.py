"""The ledger's own export layout, described by ``schemas/reconcile-canonical.schema.json``.

The same record as CSV (header = field names, empty cell = absent), JSON Lines, or one JSON
array of objects. It states every block of each batch it names, active ones included.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from pydantic import ValidationError

from ledger.errors import InvalidExport
from ledger.reconcile.readers._json import json_objects
from ledger.reconcile.readers._rows import Place, csv_rows, read_header
from ledger.reconcile.records import CanonicalRecord, RegistryRecord
from ledger.serials.native import parse_native_serial

LAYOUT = "canonical reconcile export"
SIGNATURE = frozenset({"batch_ref"})
REQUIRED = ("registry", "batch_ref", "quantity", "status")
_COLUMNS = tuple(CanonicalRecord.model_fields)


def read(path: Path, *, json: bool) -> Iterator[RegistryRecord]:
    """Stream the records of a canonical export, CSV or (``json``) JSON Lines / JSON array."""
    source = str(path)
    if json:
        for number, fields in json_objects(path):
            yield _record(Place(source, number), fields)
        return
    _check_columns(path)
    for row in csv_rows(path, LAYOUT, REQUIRED):
        cells = {column: row.text(column) for column in _COLUMNS}
        yield _record(row, {column: value for column, value in cells.items() if value is not None})


def _check_columns(path: Path) -> None:
    for column in read_header(path):
        if column not in _COLUMNS:
            expected = ", ".join(_COLUMNS)
            message = f"unknown column '{column}'; expected some of {expected}"
            raise InvalidExport(f"{path}: row 1: {message}")


def _record(place: Place, fields: Mapping[str, object]) -> RegistryRecord:
    try:
        model = CanonicalRecord.model_validate(fields)
    except ValidationError as error:
        first = error.errors()[0]
        column = ".".join(str(part) for part in first["loc"]) or "-"
        if first["type"] == "missing":
            raise place.fail(column, "expected a value, found none") from None
        raise place.fail(column, f"{first['msg']}, found {first['input']!r}") from None
    scope, first_serial, last_serial = _serials(place, model)
    count = last_serial - first_serial + 1
    why = f"size of the serial range {first_serial}-{last_serial}"
    place.expect_equal("quantity", model.quantity, count, why)
    return RegistryRecord(
        registry=model.registry,
        batch_ref=model.batch_ref,
        scope=scope,
        first=first_serial,
        last=last_serial,
        quantity=model.quantity,
        status=model.status,
        beneficiary=model.beneficiary,
        retired_on=model.retired_on,
        reason=model.reason,
        serial_verbatim=model.serial,
        source=place.source,
        row=place.number,
        lists_all_serials=True,
    )


def _serials(place: Place, model: CanonicalRecord) -> tuple[str, int, int]:
    if model.serial is None:
        # The model guarantees these three are present when the serial is not.
        assert model.scope is not None and model.first is not None and model.last is not None
        return model.scope, model.first, model.last
    try:
        serial = parse_native_serial(model.serial, model.registry)
    except ValueError as error:
        raise place.fail("serial", str(error)) from None
    for column, given, parsed in (
        ("scope", model.scope, serial.scope),
        ("first", model.first, serial.first),
        ("last", model.last, serial.last),
    ):
        if given is not None:
            place.expect_equal(column, given, parsed, "from the serial")
    return serial.scope, serial.first, serial.last
