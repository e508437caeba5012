"""Registry confirmation: a retirement the operator records is pending until the registry's
own retirement report shows it; then it is confirmed with the registry's reference. One the
registry never made is reverted while pending, its credits back with the holder."""

from __future__ import annotations

from datetime import datetime

from eventsourcing.domain import Aggregate

from ledger.errors import InvalidArgument
from ledger.projections import hidden as hidden_names
from ledger.serials import ranges_from_lists
from ledger.usecases.reads import retirement_view
from ledger.usecases.rules import check_text
from ledger.usecases.unit import UnitOfWork
from ledger.views import RetirementView

MAX_REF = 200
MAX_URL = 2000


def confirm_retirement(uow: UnitOfWork, *, retirement: str, registry_ref: str,
                       registry_url: str | None = None,
                       confirmed_at: datetime | None = None) -> RetirementView:
    """Record that the registry shows ``retirement`` (by id or key) as its ``registry_ref``.
    Asking again with the same reference returns it unchanged."""
    check_text("--registry-ref", registry_ref, MAX_REF)
    if registry_url is not None:
        check_text("--registry-url", registry_url, MAX_URL)
        if not registry_url.startswith("https://"):
            raise InvalidArgument(f"--registry-url: expected an https:// address, found "
                                  f"{registry_url!r}")
    if confirmed_at is not None and confirmed_at.tzinfo is None:
        raise InvalidArgument("--confirmed-at: expected a time with its UTC offset, found none")

    def decide() -> tuple[list[Aggregate], RetirementView]:
        record = uow.load_retirement(retirement)
        if record.status == "confirmed" and record.registry_ref == registry_ref:
            return [], retirement_view(record)
        when = (confirmed_at or uow.clock()).isoformat()
        record.confirm(registry_ref, registry_url, when)
        return [record], retirement_view(record)

    return uow.atomically(decide)


def revert_retirement(uow: UnitOfWork, *, retirement: str, reason: str) -> RetirementView:
    """Undo a pending retirement the registry did not make: its serials go back to the holder
    they were retired from."""
    check_text("--reason", reason, 500)

    def decide() -> tuple[list[Aggregate], RetirementView]:
        record = uow.load_retirement(retirement)
        record.revert(reason)
        batch = uow.load_batch(record.batch)
        batch.revert_retirement(record.id, record.holder, ranges_from_lists(record.blocks))
        return [record, batch], retirement_view(record)

    return uow.atomically(decide)


def reveal_due(uow: UnitOfWork) -> list[RetirementView]:
    """Reveal every hidden beneficiary whose date has come: a signed ``Revealed`` event with
    the name and its salt, which anyone can check against the retirement's commitment."""
    uow.require_writable()
    today = uow.clock().date().isoformat()
    revealed = []
    for retirement, beneficiary, salt in hidden_names.due(uow.db, today):
        def decide(rid: str = retirement, name: str = beneficiary,
                   salt: str = salt) -> tuple[list[Aggregate], RetirementView | None]:
            record = uow.load_retirement(rid)
            if record.hidden_until is None:
                return [], None  # revealed already
            record.reveal(name, salt, hidden_names.commitment(name, salt))
            return [record], retirement_view(record)

        view = uow.atomically(decide)
        if view is not None:
            revealed.append(view)
    return revealed
