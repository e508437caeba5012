"""Issuance documents: what comes in when a batch is minted.

Pydantic lives here, at the edge. A document is one issuance of credits from one source,
discriminated by ``source``: ``LEAF`` (a jurisdictional REDD+ issuance on the ART registry under
TREES) or ``DAC`` (a direct air capture removal batch). Unknown fields are refused.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from ledger.errors import InvalidDocument
from ledger.parsing import first_unsafe, strict_json
from ledger.serials.native import parse_native_serial

KNOWN_REGISTRIES = ("art", "verra", "isometric", "puro")
KILOGRAM_REGISTRIES = ("isometric",)
"""Registries whose credits (serials) are kilograms of CO2e, not tonnes."""


def unit_of(registry: str) -> str:
    """The unit of a registry's credits: ``kg`` or ``t``."""
    return "kg" if registry.casefold() in KILOGRAM_REGISTRIES else "t"

MAX_DOCUMENT_BYTES = 1_000_000
"""The largest document file read (whitespace and all)."""
MAX_SIGNED_DOCUMENT_BYTES = 32 * 1024
"""The largest document once compacted: its Minted event must stay one C2SP tlog-tiles entry
(at most 65,535 bytes); real issuance documents are about 2 KB."""

# Integers stay within +/-(2^53 - 1): the range canonical JSON (RFC 8785) represents exactly.
MAX_SERIAL = 2**53 - 1
MAX_QUANTITY = 10**12
"""The most credits one issuance may hold (the largest real ones hold tens of millions)."""
EARLIEST, LATEST = date(1990, 1, 1), date(2100, 12, 31)
"""Issuance and report dates outside these are typing mistakes, not credits."""


def _printable(value: str) -> str:
    """Free text holds no control, separator or bidirectional character."""
    where = first_unsafe(value)
    if where is not None:
        raise ValueError(f"expected text without control characters, found {where}")
    if not value.strip():
        raise ValueError("expected text, found only white space")
    return value


Count = Annotated[int, Field(strict=True, ge=0, le=MAX_SERIAL)]
Positive = Annotated[int, Field(strict=True, gt=0, le=MAX_QUANTITY)]
Text = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_printable)]
Day = Annotated[date, Field(ge=EARLIEST, le=LATEST)]
CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")]
Jurisdiction = Annotated[
    str,
    Field(pattern=r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$", description="ISO 3166-1 or ISO 3166-2 code"),
]
Handle = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$")]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Project(Model):
    id: Text
    name: Text
    country: CountryCode


class Verification(Model):
    body: Text
    report_date: Day


class Issuance(Model):
    """Fields common to every source."""

    registry: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_.-]{0,31}$")]
    issuance_id: Handle
    serial_native: Annotated[str, Field(min_length=1, max_length=512), AfterValidator(_printable)]
    serial_first: Count
    serial_last: Count
    quantity: Positive
    vintage: Annotated[int, Field(strict=True, ge=1990, le=2100)]
    issued_on: Day
    project: Project
    methodology: Text
    verification: Verification
    labels: Annotated[list[Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,31}$")]],
                      Field(max_length=32)] = []
    corresponding_adjustment: Literal["committed", "not_required", "unknown"]

    @model_validator(mode="after")
    def _serials_cover_quantity(self) -> Issuance:
        if self.serial_last < self.serial_first:
            raise ValueError(
                f"serial_last must be >= serial_first ({self.serial_first}), "
                f"found {self.serial_last}"
            )
        size = self.serial_last - self.serial_first + 1
        if self.quantity != size:
            raise ValueError(
                f"quantity must equal serial_last - serial_first + 1 ({size}), "
                f"found {self.quantity}"
            )
        return self

    @model_validator(mode="after")
    def _vintage_before_issuance(self) -> Issuance:
        if self.vintage > self.issued_on.year:
            raise ValueError(f"vintage must not be after the year of issued_on "
                             f"({self.issued_on.year}), found {self.vintage}")
        return self

    @model_validator(mode="after")
    def _native_serial_agrees(self) -> Issuance:
        """A registry whose serial format we know must say the same range as the integers,
        in the batch's unit: Isometric's serials are kilograms, its range half-open."""
        if self.registry.casefold() not in KNOWN_REGISTRIES:
            return self
        native = parse_native_serial(self.serial_native, self.registry)
        if (native.first, native.last) != (self.serial_first, self.serial_last):
            written = (f"{native.first}..{native.last}" if native.serial_size_kg == 1000 else
                       f"{native.first}..{native.last} (kg; half-open, it ends at "
                       f"{native.last + 1})")
            raise ValueError(
                f"serial_native must name serials {self.serial_first}..{self.serial_last}, "
                f"found {written} in {self.serial_native!r}"
            )
        return self

    @property
    def unit(self) -> str:
        """What one credit (one serial) is: ``kg`` on registries that count kilograms
        (Isometric), else ``t`` (a tonne of CO2e)."""
        return unit_of(self.registry)

    @property
    def reference(self) -> str:
        """The batch reference, ``REGISTRY:ISSUANCE_ID``."""
        return f"{self.registry}:{self.issuance_id}"


class LeafIssuance(Issuance):
    """A jurisdictional REDD+ issuance (ART registry, TREES standard)."""

    source: Literal["LEAF"]
    program: Annotated[str, Field(pattern=r"^[A-Z]{2,8}[0-9]{1,6}$", examples=["ART102"])]
    jurisdiction: Jurisdiction
    standard_version: Text
    buffer_quantity: Count

    @model_validator(mode="after")
    def _buffer_within_issuance(self) -> LeafIssuance:
        if self.buffer_quantity > self.quantity:
            raise ValueError(f"buffer_quantity must be at most quantity ({self.quantity}), "
                             f"found {self.buffer_quantity}")
        return self


class Facility(Model):
    id: Text
    name: Text
    operator: Text
    country: CountryCode
    region: Text


class Storage(Model):
    method: Literal["geological", "mineralisation", "saline_aquifer", "enhanced_oil_recovery"]
    site: Text
    durability_years: Annotated[int, Field(strict=True, ge=100)]


class Removal(Model):
    gross_tonnes: Positive
    net_tonnes: Positive

    @model_validator(mode="after")
    def _net_within_gross(self) -> Removal:
        if self.net_tonnes > self.gross_tonnes:
            raise ValueError(
                f"net_tonnes must be <= gross_tonnes ({self.gross_tonnes}), "
                f"found {self.net_tonnes}"
            )
        return self


class DacIssuance(Issuance):
    """A direct air capture removal batch."""

    source: Literal["DAC"]
    facility: Facility
    storage: Storage
    removal: Removal

    @model_validator(mode="after")
    def _net_removal_covers_quantity(self) -> DacIssuance:
        per_tonne = 1000 if self.unit == "kg" else 1
        if self.removal.net_tonnes * per_tonne < self.quantity:
            raise ValueError(
                f"removal.net_tonnes must cover quantity ({self.quantity} {self.unit}), "
                f"found {self.removal.net_tonnes} t"
            )
        return self


IssuanceDocument = Annotated[LeafIssuance | DacIssuance, Field(discriminator="source")]
_issuance_adapter: TypeAdapter[LeafIssuance | DacIssuance] = TypeAdapter(IssuanceDocument)


def issuance_schema() -> dict[str, Any]:
    schema = _issuance_adapter.json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Issuance document"
    return schema


def parse_issuance(raw: bytes | str, where: str = "document") -> LeafIssuance | DacIssuance:
    """Validate an issuance document, or raise :class:`InvalidDocument` naming the field."""
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise InvalidDocument(
            f"{where}: expected an issuance document of at most {MAX_DOCUMENT_BYTES} bytes, "
            f"found {len(raw)} bytes"
        )
    try:
        data = strict_json(raw)
    except (ValueError, RecursionError) as e:
        raise InvalidDocument(f"{where}: expected JSON, found malformed input ({e})") from None
    return validate_issuance(data, where)


def validate_issuance(data: Any, where: str = "document") -> LeafIssuance | DacIssuance:
    """Validate an already-decoded issuance document (a dict from JSON)."""
    if not isinstance(data, dict):
        raise InvalidDocument(f"{where}: expected a JSON object, found {type(data).__name__}")
    try:
        document = _issuance_adapter.validate_json(json.dumps(data))
    except ValidationError as e:
        raise InvalidDocument(f"{where}: {describe(e)}") from None
    size = len(document.model_dump_json())
    if size > MAX_SIGNED_DOCUMENT_BYTES:
        raise InvalidDocument(
            f"{where}: expected an issuance document of at most {MAX_SIGNED_DOCUMENT_BYTES} "
            f"bytes once compacted, found {size} bytes"
        )
    return document


def describe(error: ValidationError) -> str:
    """One line: the first failing field, what was expected, and what was found."""
    first = error.errors(include_url=False)[0]
    loc = ".".join(str(p) for p in first["loc"] if not _is_union_tag(p))
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] in ("union_tag_invalid", "union_tag_not_found"):
        found_tag = json.dumps(first.get("ctx", {}).get("tag"))
        return f"field `source`: expected \"LEAF\" or \"DAC\", found {found_tag}"
    if not loc:
        return message
    if first["type"] == "extra_forbidden":
        return f"field `{loc}`: unknown field (expected one of the documented fields)"
    if first["type"] == "missing":
        return f"field `{loc}`: required field is missing"
    found = first.get("input")
    shown = json.dumps(found)[:80] if not isinstance(found, dict) else "an object"
    return f"field `{loc}`: {message} (found {shown})"


def _is_union_tag(part: object) -> bool:
    return part in ("LEAF", "DAC")
