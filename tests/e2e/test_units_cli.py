"""Kilogram batches through the CLI: `--tonnes`, units in JSON, tonnes in the text."""

from __future__ import annotations

from tests.support.builders import EXAMPLES

KG = "Isometric:BSTORE-GBR-F5X7-2024-1"
LEAF = "ART:ART102-2021-11"


def test_tonnes_become_kilograms_of_a_kilogram_batch(ready) -> None:  # type: ignore[no-untyped-def]
    run = ready
    minted = run("mint", EXAMPLES / "isometric-issuance.json", "--json").json()
    assert (minted["batch"], minted["quantity"], minted["unit"]) == (KG, 3000, "kg")
    reserved = run("reserve", "--buyer", "acme", "--batch", KG, "--tonnes", "1.25",
                   "--idempotency-key", "po-kg", "--json").json()
    assert (reserved["quantity"], reserved["unit"]) == (1250, "kg")
    assert reserved["blocks"] == [{"batch": KG, "first": 78177, "last": 79426}]
    run("settle", "po-kg")
    retired = run("retire", "--holder", "acme", "--batch", KG, "--tonnes", "0.5",
                  "--beneficiary", "Acme", "--reason", "removals", "--claim-period", "2025")
    assert retired.code == 0, retired.err
    assert "500 kg (0.500 t) of Isometric:" in retired.out
    assert "serials 78177..81176, in kg" in run("show", "batch", KG).out
    balance = {b["batch"]: b for b in run("balance", "acme", "--json").json()["batches"]}
    assert (balance[KG]["unit"], balance[KG]["available"], balance[KG]["retired"]) == (
        "kg", 750, 500)


def test_tonnes_not_whole_in_the_batch_unit_are_refused(ready) -> None:  # type: ignore[no-untyped-def]
    run = ready
    refused = run("reserve", "--buyer", "acme", "--batch", LEAF, "--tonnes", "1.25", "--json")
    assert (refused.code, refused.json()["error"]["code"]) == (2, "invalid_quantity")
    assert "expected a whole number of t" in refused.json()["error"]["message"]
    both = run("reserve", "--buyer", "acme", "--batch", LEAF, "--tonnes", "1",
               "--quantity", "1", "--json")
    assert (both.code, both.json()["error"]["code"]) == (2, "invalid_argument")
    neither = run("reserve", "--buyer", "acme", "--batch", LEAF, "--json")
    assert neither.code == 2
    for bad in ("1e3", "-1", "\u0661", "1,5", "nan"):
        result = run("reserve", "--buyer", "acme", "--batch", LEAF, "--tonnes", bad, "--json")
        assert (result.code, result.json()["error"]["code"]) == (2, "invalid_quantity"), bad
