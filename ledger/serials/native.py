"""Native serial numbers of the registries the ledger reconciles with.

Every registry writes a serial range its own way; :func:`parse_native_serial` turns the text into
one :class:`NativeSerial` whose ``first`` and ``last`` are always *inclusive*, inside a numbering
``scope`` (the space in which the integers are unique):

- ART (TREES and FCPF credits): ``ART-GY-102-2016-9-1 to 1400``. Numbers restart at 1 for every
  issuance, so the scope is the prefix ``ART-GY-102-2016-9`` (standard, country, program number,
  vintage, issuance number).
- Verra: ``19385-941467007-941467431-VCS-VCU-1507-VER-ET-14-1340-01012020-31122020-1`` (13
  segments) and the legacy 12-segment
  ``240-7863589-7889021-VCU-003-APX-IN-1-101-01042006-18032007-0`` (no ``VCS`` segment).
  Segment 1 is the issuance block, 2 and 3 the inclusive range, then the country, sectoral
  scope, project id and vintage dates (DDMMYYYY). Both layouts draw on the one registry-wide VCU
  sequence, so their scope is ``VCS-VCU``.
- Isometric: ``ISO-1-VAULT-USA-01P4-2026-40170350-40182796``. One serial number is one *kilogram*
  and the range is half-open: in the registry's data ``size.credit_kgs`` equals ``end - start``
  and a split's right child starts on its left sibling's end. The scope is the prefix up to
  the year.
- Puro.earth: ``PURO_PR_CORC100+_FI_577166_2020_<issuance uuid>_1-100``, inclusive, unique only
  within one issuance, so the scope is everything before the range.

A scope has one spelling: numbers without leading zeros, a UUID in lower case, digits in ASCII
only. The same serials written another way fall in the same scope, so they cannot be minted
twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class NativeSerial:
    """One parsed registry serial range; ``first`` and ``last`` are inclusive."""

    registry: str
    scope: str
    first: int
    last: int
    verbatim: str
    project: str
    vintage: str
    issuance: str | None
    serial_size_kg: int = 1000

    def __post_init__(self) -> None:
        if self.first > self.last:
            raise ValueError(f"expected first <= last, found {self.first} > {self.last}")

    @property
    def count(self) -> int:
        """How many serial numbers the range holds."""
        return self.last - self.first + 1


_ART = re.compile(
    r"(?P<standard>[A-Z]+)-(?P<country>[A-Z]{2})-(?P<program>[0-9]+)-(?P<vintage>[0-9]{4})"
    r"-(?P<issuance>[0-9]+)-(?P<first>[0-9]+) to (?P<last>[0-9]+)"
)
_VERRA = re.compile(
    r"(?P<block>[0-9]+)-(?P<first>[0-9]+)-(?P<last>[0-9]+)-(?:VCS-)?VCU-[0-9]+-[A-Z]+-(?P<country>[A-Z]{2})"
    r"-[0-9]+-(?P<project>[0-9]+)-(?P<start>[0-9]{8})-(?P<end>[0-9]{8})-[0-9]+"
)
_ISOMETRIC = re.compile(
    r"(?P<scope>ISO-[0-9]+-(?P<project>[A-Z0-9]+-[A-Z]{3}-[A-Z0-9]+)-(?P<year>[0-9]{4}))"
    r"-(?P<start>[0-9]+)-(?P<end>[0-9]+)"
)
_PURO = re.compile(
    r"(?P<scope>PURO_[A-Z]+_[^_\s]+_[A-Z]{2}_(?P<facility>[^_\s]+)_(?P<vintage>[0-9]{4})"
    r"_(?P<issuance>[0-9A-Fa-f-]{36}))_(?P<first>[0-9]+)-(?P<last>[0-9]+)"
)


def _art(text: str) -> NativeSerial | None:
    match = _ART.fullmatch(" ".join(text.split()))
    if match is None:
        return None
    part = match.groupdict()
    # Numbers without their leading zeros: ART-CR-0102-2021-011 is ART-CR-102-2021-11, so the
    # same serials spelt another way are the same serials.
    scope = "-".join((part["standard"], part["country"], str(int(part["program"])),
                      part["vintage"], str(int(part["issuance"]))))
    return NativeSerial(
        registry="ART",
        scope=scope,
        first=int(part["first"]),
        last=int(part["last"]),
        verbatim=text,
        project=f"ART{int(part['program'])}",
        vintage=part["vintage"],
        issuance=str(int(part["issuance"])),
    )


def _verra_date(digits: str) -> date:
    # Fixed-width digits (the regex guarantees eight): slicing is far cheaper than strptime.
    try:
        return date(int(digits[4:]), int(digits[2:4]), int(digits[:2]))
    except ValueError:
        raise ValueError(f"expected a vintage date as DDMMYYYY, found '{digits}'") from None


def _verra(text: str) -> NativeSerial | None:
    match = _VERRA.fullmatch(text.strip())
    if match is None:
        return None
    start, end = _verra_date(match["start"]), _verra_date(match["end"])
    if start > end:
        raise ValueError(f"expected the vintage to start before it ends, found {start} > {end}")
    return NativeSerial(
        registry="Verra",
        scope="VCS-VCU",
        first=int(match["first"]),
        last=int(match["last"]),
        verbatim=text,
        project=str(int(match["project"])),
        vintage=f"{start.isoformat()}/{end.isoformat()}",
        issuance=str(int(match["block"])),
    )


def _isometric(text: str) -> NativeSerial | None:
    match = _ISOMETRIC.fullmatch(text.strip())
    if match is None:
        return None
    start, end = int(match["start"]), int(match["end"])
    if end <= start:
        raise ValueError(f"expected a half-open range start < end, found {start}-{end}")
    version, _, rest = match["scope"].removeprefix("ISO-").partition("-")
    return NativeSerial(
        registry="Isometric",
        scope=f"ISO-{int(version)}-{rest}",
        first=start,
        last=end - 1,
        verbatim=text,
        project=match["project"],
        vintage=match["year"],
        issuance=None,
        serial_size_kg=1,
    )


def _puro(text: str) -> NativeSerial | None:
    match = _PURO.fullmatch(text.strip())
    if match is None:
        return None
    issuance = match["issuance"].lower()  # a UUID is one number, whatever its letters' case
    return NativeSerial(
        registry="Puro",
        scope=match["scope"][: -len(issuance)] + issuance,
        first=int(match["first"]),
        last=int(match["last"]),
        verbatim=text,
        project=match["facility"],
        vintage=match["vintage"],
        issuance=issuance,
    )


_Parser = Callable[[str], NativeSerial | None]

_FORMATS: dict[str, tuple[_Parser, str]] = {
    "ART": (_art, "ART-GY-102-2016-9-1 to 1400"),
    "Verra": (_verra, "19385-941467007-941467431-VCS-VCU-1507-VER-ET-14-1340-01012020-31122020-1"),
    "Isometric": (_isometric, "ISO-1-VAULT-USA-01P4-2026-40170350-40182796"),
    "Puro": (_puro, "PURO_PR_CORC100+_FI_577166_2020_<issuance uuid>_1-100"),
}
_NAMES = {name.casefold(): name for name in _FORMATS}


def _expected(registries: list[str]) -> str:
    return " or ".join(f"{name} serial like '{_FORMATS[name][1]}'" for name in registries)


def parse_native_serial(text: str, registry: str | None = None) -> NativeSerial:
    """Parse a registry's serial range; ``ValueError`` says what was expected and what was found.

    With ``registry`` only that registry's format is accepted (names match case-insensitively).
    """
    if registry is None:
        candidates = list(_FORMATS)
    elif registry.casefold() in _NAMES:
        candidates = [_NAMES[registry.casefold()]]
    else:
        known = ", ".join(_FORMATS)
        raise ValueError(f"expected a registry among {known}, found '{registry}'")
    for name in candidates:
        parsed = _FORMATS[name][0](text)
        if parsed is not None:
            return parsed
    raise ValueError(f"expected {_expected(candidates)}, found '{text}'")


def serial_scope(registry: str, serial_native: str) -> str:
    """The numbering space in which ``serial_native``'s integers are unique; never raises.

    A registry whose format is unknown, or text that does not parse as its serial, falls back to
    the registry name, so the caller compares against every batch of that registry.
    """
    try:
        return parse_native_serial(serial_native, registry).scope
    except ValueError:
        return registry


def native_range(registry: str, scope: str, first: int, last: int) -> str:
    """An inclusive block ``[first, last]`` of a batch written as its registry writes it, for
    the registries whose scope names the rest of the serial (ART, Isometric with its half-open
    kilogram ranges, Puro); any other registry's block is ``first-last``."""
    name = _NAMES.get(registry.casefold())
    if name == "ART" and scope != registry:
        return f"{scope}-{first} to {last}"
    if name == "Isometric" and scope != registry:
        return f"{scope}-{first}-{last + 1}"
    if name == "Puro" and scope != registry:
        return f"{scope}_{first}-{last}"
    return f"{first}-{last}"
