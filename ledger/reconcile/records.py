"""What a registry export says, one :class:`RegistryRecord` per row, whatever the layout.

Batch references are ``REGISTRY:ISSUANCE``, built as the ledger names batches where the layout
allows (a reference the ledger does not know is matched to ledger batches by its serials):

- ART retirement/cancellation report: ``ART:<Program ID>-<vintage>-<issuance number>`` from the
  serial, e.g. ``ART-GY-102-2021-11-2759599 to 2760598`` -> ``ART:ART102-2021-11``.
- ART issuance report: rows carry no serials, so each row names the *issuance level*
  ``ART:<Program ID>-<Vintage>`` (e.g. ``ART:ART102-2021``); it covers the ledger batches whose
  reference equals it or extends it after a ``-`` (``ART:ART102-2021-11``).
- Verra transactions export: ``Verra:VCS<project id>-<issuance block>`` from serial segments 10
  and 1, e.g. ``Verra:VCS1340-19385``; the block number survives splits of the issuance.
- Isometric credit batches: ``Isometric:<issuance_id>``, e.g. ``Isometric:iss_1KJFW4WNE1S0D5GA``.
  The serial prefix cannot serve: in the registry's data one prefix spans several issuances.
- Canonical layout: the ``batch_ref`` column, verbatim.

Quantities count serial numbers: tonnes everywhere except Isometric, whose serials are kilograms.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

RecordStatus = Literal["issued", "active", "retired", "cancelled", "retired_or_cancelled"]
"""``retired_or_cancelled``: used up, the registry not saying which (Verra's one bucket)."""


@dataclass(frozen=True)
class RegistryRecord:
    """One row of a registry export: a serial range (or, for issuance totals, none) and its state.

    ``lists_all_serials`` is true when the export lists every block of the batch, active ones
    included (Verra, Isometric, canonical); the ART retirement report lists only retired or
    cancelled blocks, so serials it leaves out are presumed still active on the registry.
    """

    registry: str
    batch_ref: str
    scope: str | None
    first: int | None
    last: int | None
    quantity: int
    status: RecordStatus
    beneficiary: str | None
    retired_on: date | None
    reason: str | None
    serial_verbatim: str | None
    source: str
    row: int
    lists_all_serials: bool
    registry_ref: str | None = None
    """The registry's own id of the retirement that used these serials, where it gives one
    (Isometric's ``retirement_id``)."""

    def __post_init__(self) -> None:
        if self.first is None or self.last is None or self.scope is None:
            if not (self.first is None and self.last is None and self.scope is None):
                raise ValueError("expected scope, first and last all given or all absent")
            return
        if self.first > self.last:
            raise ValueError(f"expected first <= last, found {self.first} > {self.last}")
        if self.quantity != self.last - self.first + 1:
            raise ValueError(
                f"expected quantity {self.last - self.first + 1}, found {self.quantity}"
            )


def issued(registry: str, batch_ref: str, quantity: int, source: str, row: int
           ) -> RegistryRecord:
    """An issuance total: no serials, only how many credits the issuance holds."""
    return RegistryRecord(registry=registry, batch_ref=batch_ref, scope=None, first=None,
                          last=None, quantity=quantity, status="issued", beneficiary=None,
                          retired_on=None, reason=None, serial_verbatim=None, source=source,
                          row=row, lists_all_serials=False)


class CanonicalRecord(BaseModel):
    """One row of the ledger's own export layout (CSV, JSON Lines or a JSON array).

    Give the registry's native ``serial``, or ``scope`` with inclusive ``first`` and ``last``
    (or both, and they must agree). ``quantity`` must equal the size of the range.
    """

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        title="Reconcile canonical export record",
        json_schema_extra={
            "anyOf": [{"required": ["serial"]}, {"required": ["scope", "first", "last"]}]
        },
    )

    registry: str = Field(min_length=1, description="Registry of origin, e.g. ART, Verra.")
    batch_ref: str = Field(
        pattern=r"^[^:\s]+:\S+$", description="REGISTRY:ISSUANCE, e.g. ART:ART102-2021-11."
    )
    serial: str | None = Field(None, description="The registry's serial range, verbatim.")
    scope: str | None = Field(None, min_length=1, description="Numbering space of first/last.")
    first: int | None = Field(None, ge=0, description="First serial number, inclusive.")
    last: int | None = Field(None, ge=0, description="Last serial number, inclusive.")
    quantity: int = Field(ge=1, description="Number of serials in the range.")
    status: RecordStatus
    beneficiary: str | None = Field(None, description="Beneficiary of a retirement.")
    retired_on: date | None = Field(None, description="Date of retirement or cancellation.")
    reason: str | None = Field(None, description="Retirement or cancellation reason.")

    @model_validator(mode="after")
    def _serials_given(self) -> Self:
        explicit = (self.scope, self.first, self.last)
        if self.serial is None and None in explicit:
            raise ValueError("expected 'serial', or 'scope', 'first' and 'last' together")
        if self.first is not None and self.last is not None and self.first > self.last:
            raise ValueError(f"expected first <= last, found {self.first} > {self.last}")
        return self


def canonical_schema() -> dict[str, Any]:
    """The JSON Schema of one canonical record, as stored in ``schemas/``."""
    schema = CanonicalRecord.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
