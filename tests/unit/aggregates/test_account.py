"""Account: a holder of credits; a buyer is eligible by Climate Pledge or Scope 1, 2 and 3."""

from __future__ import annotations

from uuid import uuid4

import pytest

from ledger.aggregates.account import Account


def new_account(
    role: str = "buyer", climate_pledge: bool = False, scope_targets: list[int] | None = None
) -> Account:
    return Account(
        id=uuid4(),
        handle="acme",
        name="Acme Corp",
        role=role,
        climate_pledge=climate_pledge,
        scope_targets=scope_targets or [],
    )


def test_a_climate_pledge_signatory_buyer_is_eligible_without_scope_targets() -> None:
    account = new_account(climate_pledge=True)
    assert account.is_eligible_buyer
    assert account.eligibility == "eligible: Climate Pledge signatory"


def test_a_buyer_with_scope_1_2_and_3_targets_is_eligible() -> None:
    account = new_account(scope_targets=[3, 1, 2])
    assert account.is_eligible_buyer
    assert account.eligibility == "eligible: Scope 1, 2 and 3 targets"


def test_the_climate_pledge_reason_comes_first_when_both_hold() -> None:
    account = new_account(climate_pledge=True, scope_targets=[1, 2, 3])
    assert account.eligibility == "eligible: Climate Pledge signatory"


@pytest.mark.parametrize("scopes", [[], [1], [1, 2], [2, 3], [1, 3]])
def test_a_buyer_missing_any_of_scope_1_2_and_3_is_not_eligible(scopes: list[int]) -> None:
    account = new_account(scope_targets=scopes)
    assert not account.is_eligible_buyer
    assert account.eligibility.startswith("not eligible: no Climate Pledge")


def test_the_refusal_lists_the_scope_targets_found_and_the_ones_required() -> None:
    assert new_account(scope_targets=[2, 1]).eligibility == (
        "not eligible: no Climate Pledge, scope targets 1,2 (1,2,3 required)"
    )
    assert new_account().eligibility == (
        "not eligible: no Climate Pledge, scope targets none (1,2,3 required)"
    )


@pytest.mark.parametrize("role", ["operator", "buffer"])
def test_a_non_buyer_is_never_eligible(role: str) -> None:
    account = new_account(role=role, climate_pledge=True, scope_targets=[1, 2, 3])
    assert not account.is_eligible_buyer
    assert account.eligibility == f"not a buyer (role {role})"


def test_scope_targets_are_kept_sorted() -> None:
    assert new_account(scope_targets=[3, 1]).scope_targets == [1, 3]


def test_opening_records_one_opened_event() -> None:
    [opened] = new_account().collect_events()
    assert type(opened).__name__ == "Opened"
    assert (opened.handle, opened.role) == ("acme", "buyer")


def test_updating_eligibility_records_the_new_evidence_and_changes_the_decision() -> None:
    account = new_account()
    account.collect_events()
    account.update_eligibility(False, [3, 2, 1])
    assert account.is_eligible_buyer
    assert account.scope_targets == [1, 2, 3]
    [updated] = account.collect_events()
    assert type(updated).__name__ == "EligibilityUpdated"
    assert (updated.climate_pledge, updated.scope_targets) == (False, [3, 2, 1])


def test_updating_eligibility_can_withdraw_it() -> None:
    account = new_account(climate_pledge=True)
    account.update_eligibility(False, [1])
    assert not account.is_eligible_buyer


def test_replaying_the_events_rebuilds_the_account() -> None:
    account = new_account()
    account.update_eligibility(True, [])
    opened, updated = account.collect_events()
    assert updated.mutate(opened.mutate(None)) == account
