"""The claims report, on SQLite and PostgreSQL through the same tests: what a buyer's auditor
checks for a period, and each check's problem."""

from __future__ import annotations

import pytest

from ledger.errors import InvalidArgument
from ledger.usecases import claims, confirmations, holdings, minting, reads, reservations
from ledger.usecases.unit import UnitOfWork
from tests.support.builders import isometric_issuance, issuance, open_buyers
from tests.support.clock import Clock

LEAF = "ART:ART102-2021-11"
KG = "Isometric:BSTORE-78177"


@pytest.fixture
def buyer(ledger: UnitOfWork) -> UnitOfWork:
    """acme (named "acme" by open_buyers) holds 60 LEAF credits; 3,000 kg are in inventory."""
    minting.mint(ledger, document=issuance(first=1, last=100))
    minting.mint(ledger, document=isometric_issuance())
    open_buyers(ledger, "acme")
    reservations.settle(ledger, reservation=reservations.reserve(
        ledger, buyer="acme", quantity=60, batch=LEAF).reservation)
    return ledger


def last_year(clock: Clock) -> str:
    """The reporting period the tests claim for: the year before now, so that retirements
    made now are within 12 months after it."""
    return str(clock().year - 1)


def retire(ledger: UnitOfWork, key: str, quantity: int, *, batch: str = LEAF,
           beneficiary: str = "acme", period: str | None = None) -> str:
    period = period or str(ledger.clock().year - 1)
    holder = "acme" if batch == LEAF else "operator"
    return holdings.retire(ledger, holder=holder, batch=batch, quantity=quantity,
                           beneficiary=beneficiary, reason="claim", claim_period=period,
                           on_behalf_of=None if holder == "acme" else "acme",
                           idempotency_key=key).retirement


def test_a_clean_period_totals_removals_and_reductions_and_plans(
    buyer: UnitOfWork, clock: Clock
) -> None:
    for key, quantity, batch in (("r-1", 20, LEAF), ("r-2", 1500, KG), ("r-3", 5, LEAF)):
        retire(buyer, key, quantity, batch=batch)
        confirmations.confirm_retirement(buyer, retirement=key, registry_ref=f"REG-{key}")
    retire(buyer, "r-other-year", 3, period=str(clock().year - 2))
    confirmations.revert_retirement(buyer, retirement=retire(buyer, "r-undone", 2),
                                    reason="never made")
    reservations.reserve(buyer, buyer="acme", quantity=7, batch=LEAF)
    report = claims.claims_report(buyer, buyer="acme", period=last_year(clock))
    assert report.findings() is None, report.problems
    assert [r["status"] for r in report.retirements] == [
        "confirmed", "confirmed", "confirmed", "reverted"]
    assert report.totals == [{"kind": "reduction", "unit": "t", "quantity": 25},
                             {"kind": "removal", "unit": "kg", "quantity": 1500}]
    assert report.planned == [{"unit": "t", "quantity": 7}]
    first = report.retirements[0]
    assert (first["registry_ref"], first["serials"], first["corresponding_adjustment"]) == (
        "REG-r-1", ["ART-CR-102-2021-11-1 to 20"], "ca:committed")
    assert report.retired_before == f"{clock().year + 1}-01-01"


def test_each_check_names_its_problem(buyer: UnitOfWork, clock: Clock) -> None:
    retire(buyer, "pending", 5)
    confirmations.confirm_retirement(
        buyer, retirement=retire(buyer, "someone-else", 5, beneficiary="Globex"),
        registry_ref="REG-2")
    report = claims.claims_report(buyer, buyer="acme", period=last_year(clock))
    ids = {key: reads.show_retirement(buyer, retirement=key).retirement
           for key in ("pending", "someone-else")}
    assert sorted((p["check"], p["retirement"]) for p in report.problems) == [
        ("beneficiary_differs", ids["someone-else"]), ("not_confirmed", ids["pending"])]
    error = report.findings()
    assert error is not None and (error.code, error.exit_code) == ("claim_findings", 5)
    # Retired now for a period that ended more than 12 months ago: too late to claim.
    long_ago = str(clock().year - 3)
    confirmations.confirm_retirement(buyer, retirement=retire(buyer, "late", 5, period=long_ago),
                                     registry_ref="REG-3")
    late = claims.claims_report(buyer, buyer="acme", period=long_ago)
    assert [p["check"] for p in late.problems] == ["retired_late"]
    assert late.problems[0]["message"].startswith(f"expected retired before {clock().year - 1}")


@pytest.mark.parametrize("period", ["25", "2025-2024", "2025/2026", ""])
def test_a_bad_period_is_refused(buyer: UnitOfWork, period: str) -> None:
    with pytest.raises(InvalidArgument, match="--period"):
        claims.claims_report(buyer, buyer="acme", period=period)
