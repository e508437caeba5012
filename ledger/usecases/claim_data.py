"""Claim data a retirement carries for the buyer's claim: what it is for, what kind of claim,
and where and when the emissions it answers for happened. Rules on plain values only."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from ledger.errors import InvalidArgument
from ledger.parsing import check_free_text

PURPOSES = ("corporate_targets", "public_environmental_claims", "insetting",
            "regulatory_requirement", "other")
"""Why credits are retired (Isometric's list)."""
CLAIM_TYPES = ("offset", "contribution")
"""An offset claim counts the credits against the buyer's emissions; a contribution claim
finances mitigation without claiming it (ART shows both)."""
PERIOD = re.compile(r"((?:19|20|21)[0-9]{2})(?:-((?:19|20|21)[0-9]{2}))?", re.ASCII)
MAX_NOTE = 256


@dataclass(frozen=True)
class Claim:
    purpose: str | None = None
    claim_type: str | None = None
    consumption_country: str | None = None
    consumption_period: str | None = None
    public_note: str | None = None

    def every_field(self) -> dict[str, str | None]:
        """Every field, None where not given."""
        return asdict(self)

    def fields(self) -> dict[str, str]:
        """The claim data given, by field name."""
        return {k: v for k, v in asdict(self).items() if v is not None}

    def checked(self) -> Claim:
        """The same claim, each field checked: InvalidArgument naming the option otherwise.
        A country is kept as given, in upper case."""
        if self.purpose is not None and self.purpose not in PURPOSES:
            raise InvalidArgument(f"--purpose: expected one of {', '.join(PURPOSES)}, found "
                                  f"{self.purpose!r}")
        if self.claim_type is not None and self.claim_type not in CLAIM_TYPES:
            raise InvalidArgument(f"--claim-type: expected offset or contribution, found "
                                  f"{self.claim_type!r}")
        country = self.consumption_country
        if country is not None:
            country = country_code(country)
        period = self.consumption_period
        if period is not None:
            year_span("--consumption-period", period)
        if self.public_note is not None:
            check_free_text("--public-note", self.public_note, MAX_NOTE)
        return Claim(self.purpose, self.claim_type, country, period, self.public_note)


NO_CLAIM = Claim()


def year_span(option: str, text: str) -> tuple[int, int]:
    """The first and last year of ``YYYY`` or ``YYYY-YYYY``; InvalidArgument naming
    ``option`` otherwise."""
    match = PERIOD.fullmatch(text)
    if match is None or (match[2] is not None and match[2] < match[1]):
        raise InvalidArgument(f"{option}: expected YYYY or YYYY-YYYY (the second not before "
                              f"the first), found {text!r}")
    return int(match[1]), int(match[2] or match[1])


def country_code(text: str) -> str:
    """An ISO 3166-1 alpha-2 or alpha-3 code, in upper case."""
    from iso3166 import countries_by_alpha2, countries_by_alpha3

    code = text.upper()
    if not (code.isascii() and (code in countries_by_alpha2 or code in countries_by_alpha3)):
        raise InvalidArgument(f"--consumption-country: expected an ISO 3166-1 alpha-2 or "
                              f"alpha-3 code (DE, DEU), found {text!r}")
    return code
