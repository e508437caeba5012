"""Accounts: open them, and keep a buyer's eligibility evidence current."""

from __future__ import annotations

from collections.abc import Iterable

from eventsourcing.domain import Aggregate

from ledger import ids
from ledger.aggregates.account import ROLES, Account
from ledger.errors import AccountExists, BuyerNotEligible, InvalidArgument, WrongRole
from ledger.usecases.reads import account_view
from ledger.usecases.rules import check_handle, check_scopes, check_text
from ledger.usecases.unit import UnitOfWork
from ledger.views import AccountView


def open_account(uow: UnitOfWork, *, handle: str, name: str, role: str,
                 climate_pledge: bool = False, scope_targets: Iterable[int] = (),
                 existing_ok: bool = False) -> AccountView:
    """Open a buyer's or a buffer's account. With ``existing_ok`` (an import run again), the
    same account opened before is returned instead of ``account_exists``."""
    check_handle(handle)
    check_text("--name", name, 200)
    if role not in ROLES or role == "operator":
        raise InvalidArgument(f"--role: expected buyer or buffer, found {role!r}")
    scopes = check_scopes(scope_targets)

    def decide() -> tuple[list[Aggregate], AccountView]:
        if (done := uow.find(Account, ids.account_id(handle))) is not None:
            asked = (name, role, climate_pledge, scopes)
            if existing_ok and (done.name, done.role, done.climate_pledge,
                                list(done.scope_targets)) == asked:
                return [], account_view(done)
            differs = " with other details" if existing_ok else ""
            raise AccountExists(f"account {handle}: expected a new handle, found it taken"
                                f"{differs}")
        account = Account(id=ids.account_id(handle), handle=handle, name=name, role=role,
                          climate_pledge=climate_pledge, scope_targets=scopes)
        return [account], account_view(account)

    return uow.atomically(decide)


def update_eligibility(uow: UnitOfWork, *, handle: str, climate_pledge: bool,
                       scope_targets: Iterable[int]) -> AccountView:
    """Record a buyer's new evidence: The Climate Pledge, and the scopes its targets cover."""
    scopes = check_scopes(scope_targets)

    def decide() -> tuple[list[Aggregate], AccountView]:
        account = uow.load_account(handle)
        if account.role != "buyer":
            raise WrongRole(f"account {handle}: expected a buyer, found role {account.role}")
        account.update_eligibility(climate_pledge, scopes)
        return [account], account_view(account)

    return uow.atomically(decide)


def eligible_buyer(uow: UnitOfWork, handle: str) -> Account:
    """The buyer's account, if the operator's policy admits it (``buyer_not_eligible``)."""
    account = uow.load_account(handle)
    if not account.is_eligible_buyer:
        raise BuyerNotEligible(
            f"account {handle}: expected an eligible buyer, found {account.eligibility}"
        )
    return account
