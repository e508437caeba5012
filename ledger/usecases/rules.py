"""Rules on plain values, checked before anything is loaded: handles, quantities, scopes, text,
and what an idempotency key promises."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ledger.errors import IdempotencyConflict, InvalidArgument, InvalidQuantity
from ledger.parsing import check_free_text
from ledger.quantities import Amount, Tonnes, in_unit

HANDLE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
MAX_QUANTITY = 10**12


def check_handle(handle: str) -> None:
    """Account handles: lowercase letters, digits, '.', '_' or '-', at most 63."""
    if not HANDLE.fullmatch(handle):
        raise InvalidArgument(
            f"handle: expected lowercase letters, digits, '.', '_' or '-' (at most 63), "
            f"found {handle!r}"
        )


def check_quantity(quantity: int) -> None:
    """A positive whole number of credits, at most :data:`MAX_QUANTITY`."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise InvalidQuantity(f"--quantity: expected a positive whole number, found {quantity!r}")
    if quantity > MAX_QUANTITY:
        raise InvalidQuantity(f"--quantity: expected at most {MAX_QUANTITY}, found {quantity}")


def check_amount(amount: Amount) -> None:
    """A quantity checked as far as it can be before its batch's unit is known."""
    if not isinstance(amount, Tonnes):
        check_quantity(amount)


def whole(amount: Amount, unit: str) -> int:
    """``amount`` as a positive whole number of ``unit`` (tonnes converted and checked)."""
    quantity = in_unit(amount, unit)
    check_quantity(quantity)
    return quantity


def check_scopes(scopes: Iterable[int]) -> list[int]:
    """Emission scopes among 1, 2 and 3: sorted, each once."""
    chosen = sorted(set(scopes))
    if not set(chosen) <= {1, 2, 3}:
        raise InvalidArgument(f"--scope-targets: expected scopes among 1,2,3, found {chosen}")
    return chosen


def check_text(option: str, value: str, limit: int) -> None:
    """Free text: not blank, at most ``limit`` characters, no control characters
    (:func:`ledger.parsing.check_free_text`)."""
    check_free_text(option, value, limit)


MAX_EVIDENCE = 1000
"""The longest evidence text (a label, an amendment, a reversal)."""

MAX_KEY_CHARS = 200


def check_idempotency_key(key: str | None) -> None:
    """An idempotency key, when given, is text like any other: an empty one is refused, not
    taken to mean no key."""
    if key is not None:
        check_free_text("--idempotency-key", key, MAX_KEY_CHARS)


def same_request(done: dict[str, Any], asked: dict[str, Any], key: str) -> None:
    """An idempotency key used again must ask for exactly what it asked for the first time."""
    if done != asked:
        raise IdempotencyConflict(
            f"idempotency key {key!r}: expected the same request as before "
            f"({describe_request(done)}), found {describe_request(asked)}"
        )


def describe_request(request: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(request.items()))
