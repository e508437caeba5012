"""`ledger batch amend`, `ledger reversal record` and `ledger replace` end to end."""

from __future__ import annotations

LEAF = "ART:ART102-2021-11"
DAC = "Puro:TXDAC01-2026-0007"


def test_a_reversal_and_its_replacement_through_the_cli(ready) -> None:  # type: ignore[no-untyped-def]
    run = ready
    run("reserve", "--buyer", "acme", "--quantity", "50", "--batch", LEAF,
        "--idempotency-key", "po")
    run("settle", "po")
    assert run("retire", "--holder", "acme", "--batch", LEAF, "--quantity", "50",
               "--beneficiary", "Acme Corp", "--reason", "FY2025", "--claim-period", "2025",
               "--idempotency-key", "ret").code == 0
    early = run("replace", "--retirement", "ret", "--from-batch", DAC, "--quantity", "5",
                "--json")
    assert (early.code, early.json()["error"]["code"]) == (4, "insufficient_credits")
    reported = run("reversal", "record", "--batch", LEAF, "--quantity", "20", "--evidence",
                   "ART reversal report: fire", "--json")
    assert reported.code == 0 and reported.json()["reversed"] == 20
    replaced = run("replace", "--retirement", "ret", "--from-batch", DAC, "--quantity", "20",
                   "--json").json()
    original = run("show", "retirement", "ret", "--json").json()
    assert replaced["replaces"] == original["retirement"]
    assert replaced["beneficiary"] == "Acme Corp" and original["replaces"] is None
    supply = {r["batch"]: r for r in run("supply", "--json").json()}
    assert (supply[LEAF]["reversed"], supply[DAC]["retired"]) == (20, 20)
    assert "reversed 20, replaced 20" in run("show", "batch", LEAF).out


def test_an_amendment_through_the_cli(ready) -> None:  # type: ignore[no-untyped-def]
    run = ready
    amended = run("batch", "amend", LEAF, "--field", "methodology", "--value",
                  "ART TREES 2.0", "--evidence", "ART notice", "--json")
    assert amended.code == 0, amended.err
    assert (amended.json()["old"], amended.json()["new"]) == ("TREES", "ART TREES 2.0")
    shown = run("show", "batch", LEAF, "--json").json()
    assert shown["document"]["methodology"] == "ART TREES 2.0"
    refused = run("batch", "amend", LEAF, "--field", "vintage", "--value", "2020",
                  "--evidence", "e", "--json")
    assert (refused.code, refused.json()["error"]["code"]) == (2, "invalid_argument")
