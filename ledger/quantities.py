"""Quantities: whole numbers in a batch's unit (``t`` or ``kg``), or tonnes written as a
decimal (``--tonnes 1.25``) that must come out whole in that unit. Never a float."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from ledger.errors import InvalidQuantity

PER_TONNE = {"t": 1, "kg": 1000}
"""How many of each unit make a tonne of CO2e."""
DECIMAL = re.compile(r"[0-9]{1,15}(\.[0-9]{1,15})?", re.ASCII)


@dataclass(frozen=True)
class Tonnes:
    """Tonnes of CO2e as the user wrote them, to be counted in a batch's unit."""

    text: str

    def __post_init__(self) -> None:
        if not DECIMAL.fullmatch(self.text):
            raise InvalidQuantity(f"--tonnes: expected a decimal number of tonnes like 1.25, "
                                  f"found {self.text!r}")

    def in_unit(self, unit: str) -> int:
        """The whole number of ``unit`` these tonnes are; InvalidQuantity when not whole."""
        value = Decimal(self.text) * PER_TONNE[unit]
        if value != value.to_integral_value():
            raise InvalidQuantity(f"--tonnes: expected a whole number of {unit} (the batch's "
                                  f"unit), found {self.text} t = {value.normalize()} {unit}")
        return int(value)


Amount = int | Tonnes
"""What a command asks for: a whole number in the batch's unit, or tonnes."""


def in_unit(amount: Amount, unit: str) -> int:
    """``amount`` as a whole number of ``unit``."""
    return amount.in_unit(unit) if isinstance(amount, Tonnes) else amount
