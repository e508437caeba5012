"""`ledger cancel` and `ledger withdraw` end to end: the documented JSON, the text, the codes."""

from __future__ import annotations

LEAF = "ART:ART102-2021-11"


def test_a_corsia_cancellation_prints_its_serials_and_is_counted_everywhere(
    ready  # type: ignore[no-untyped-def]
) -> None:
    run = ready
    done = run("cancel", "--holder", "operator", "--batch", LEAF, "--quantity", "1000",
               "--type", "compliance", "--reason", "CORSIA offsetting requirements",
               "--details", "Example Air; CORSIA first phase 2024-2026",
               "--idempotency-key", "corsia-1", "--json")
    assert done.code == 0, done.err
    body = done.json()
    assert {"cancellation", "type", "quantity", "blocks"} <= body.keys()
    assert (body["type"], body["quantity"]) == ("compliance", 1000)
    assert body["blocks"] == [{"batch": LEAF, "first": 1, "last": 1000}]
    assert run("cancel", "--holder", "operator", "--batch", LEAF, "--quantity", "1000",
               "--type", "compliance", "--reason", "CORSIA offsetting requirements",
               "--details", "Example Air; CORSIA first phase 2024-2026",
               "--idempotency-key", "corsia-1", "--json").json()["cancellation"] == \
        body["cancellation"]
    withdrawn = run("withdraw", "--batch", LEAF, "--quantity", "10", "--reason", "over-issued")
    assert withdrawn.code == 0
    assert "(correction): 10 credits" in withdrawn.out
    assert f"{LEAF} [1001..1010]" in withdrawn.out
    supply = {r["batch"]: r for r in run("supply", "--json").json()}[LEAF]
    assert (supply["cancelled"], supply["available"]) == (1010, 250000 - 1010)
    assert "cancelled 1010" in run("show", "batch", LEAF).out
    shown = run("show", "cancellation", "corsia-1", "--json").json()
    assert shown["details"] == "Example Air; CORSIA first phase 2024-2026"
    assert run("audit", "--allow-lag").code == 0


def test_refusals_have_their_codes_and_write_nothing(
    ready  # type: ignore[no-untyped-def]
) -> None:
    run = ready
    too_many = run("cancel", "--holder", "acme", "--batch", LEAF, "--quantity", "1",
                   "--type", "other", "--reason", "r", "--json")
    assert too_many.code == 4
    assert too_many.json()["error"]["code"] == "insufficient_credits"
    bad_type = run("cancel", "--holder", "operator", "--batch", LEAF, "--quantity", "1",
                   "--type", "retired", "--reason", "r", "--json")
    assert bad_type.code == 2 and "compliance" in bad_type.json()["error"]["message"]
    missing = run("show", "cancellation", "nope", "--json")
    assert (missing.code, missing.json()["error"]["code"]) == (3, "cancellation_not_found")
    supply = {r["batch"]: r for r in run("supply", "--json").json()}[LEAF]
    assert supply["cancelled"] == 0
