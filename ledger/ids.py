"""Business keys become stable ids: creation is idempotent and the CLI takes handles."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from uuid import UUID, uuid5


def as_uuid(value: object) -> UUID:
    """An aggregate id as a UUID, whether the store's driver gave a UUID or its text."""
    return value if isinstance(value, UUID) else UUID(str(value))


# A fixed namespace for this ledger's uuid5 ids; changing it would orphan every stored id.
NAMESPACE = UUID("6f1c3a52-5e8d-4f0b-9a57-2c1d8e4b7a10")


@lru_cache(maxsize=100_000)
def account_id(handle: str) -> UUID:
    return uuid5(NAMESPACE, f"account:{handle}")


@lru_cache(maxsize=100_000)
def batch_id(reference: str) -> UUID:
    return uuid5(NAMESPACE, f"batch:{reference}")


@lru_cache(maxsize=100_000)
def scope_id(scope: str) -> UUID:
    return uuid5(NAMESPACE, f"serial-scope:{scope}")


def reservation_id(idempotency_key: str) -> UUID:
    return uuid5(NAMESPACE, f"reservation:{idempotency_key}")


def retirement_id(idempotency_key: str) -> UUID:
    return uuid5(NAMESPACE, f"retirement:{idempotency_key}")


def cancellation_id(idempotency_key: str) -> UUID:
    return uuid5(NAMESPACE, f"cancellation:{idempotency_key}")


def reversal_id(idempotency_key: str) -> UUID:
    return uuid5(NAMESPACE, f"reversal:{idempotency_key}")


def transfer_id(idempotency_key: str) -> UUID:
    return uuid5(NAMESPACE, f"transfer:{idempotency_key}")


def by_id_or_key(ref: str, from_key: Callable[[str], UUID]) -> UUID:
    """An aggregate named by its UUID, or by the idempotency key it was made with."""
    try:
        return UUID(ref)
    except ValueError:
        return from_key(ref)


OPERATOR_ID = uuid5(NAMESPACE, "operator")
CATALOGUE_ID = uuid5(NAMESPACE, "catalogue")
