"""`ledger retirement confirm|revert` end to end: the JSON, the codes."""

from __future__ import annotations

LEAF = "ART:ART102-2021-11"


def test_confirm_then_refuse_to_revert_and_revert_another(ready) -> None:  # type: ignore[no-untyped-def]
    run = ready
    run("reserve", "--buyer", "acme", "--quantity", "50", "--batch", LEAF,
        "--idempotency-key", "po")
    run("settle", "po")
    for key in ("r-1", "r-2"):
        made = run("retire", "--holder", "acme", "--batch", LEAF, "--quantity", "20",
                   "--beneficiary", "Acme", "--reason", "FY2025", "--claim-period", "2025",
                   "--idempotency-key", key, "--json")
        assert made.json()["status"] == "pending"
    confirmed = run("retirement", "confirm", "r-1", "--registry-ref", "ART-RET-1",
                    "--confirmed-at", "2025-07-01T09:30:00+00:00", "--json").json()
    assert (confirmed["status"], confirmed["registry_ref"], confirmed["confirmed_at"]) == (
        "confirmed", "ART-RET-1", "2025-07-01T09:30:00+00:00")
    late = run("retirement", "revert", "r-1", "--reason", "x", "--json")
    assert (late.code, late.json()["error"]["code"]) == (4, "retirement_not_pending")
    assert run("retirement", "revert", "r-2", "--reason", "never made", "--json").json()[
        "status"] == "reverted"
    assert run("balance", "acme", "--json").json()["batches"][0]["available"] == 30
    bad = run("retirement", "confirm", "r-2", "--registry-ref", "X", "--confirmed-at",
              "yesterday", "--json")
    assert (bad.code, bad.json()["error"]["code"]) == (2, "invalid_argument")


def test_a_hidden_beneficiary_through_the_cli(ready) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime, timedelta

    run = ready
    day = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    made = run("retire", "--holder", "operator", "--on-behalf-of", "acme", "--batch", LEAF,
               "--quantity", "5", "--beneficiary", "Quiet Buyer Ltd", "--reason", "r",
               "--claim-period", "2025", "--beneficiary-hidden-until", day, "--json")
    assert made.code == 0, made.err
    assert (made.json()["beneficiary"], made.json()["hidden_until"]) == (
        f"hidden until {day}", day)
    assert "Quiet Buyer Ltd" not in made.out
    assert run("retirement", "reveal", "--json").json() == []  # not yet
    bad = run("retire", "--holder", "operator", "--on-behalf-of", "acme", "--batch", LEAF,
              "--quantity", "5", "--beneficiary", "X", "--reason", "r", "--claim-period",
              "2025", "--beneficiary-hidden-until", "2099-01-01", "--json")
    assert (bad.code, bad.json()["error"]["code"]) == (2, "invalid_argument")


def test_verify_require_confirmed_follows_the_proof(ready, tmp_path) -> None:  # type: ignore[no-untyped-def]
    run = ready
    run("reserve", "--buyer", "acme", "--quantity", "10", "--batch", LEAF,
        "--idempotency-key", "po")
    run("settle", "po")
    run("retire", "--holder", "acme", "--batch", LEAF, "--quantity", "10", "--beneficiary",
        "Acme", "--reason", "r", "--claim-period", "2025", "--idempotency-key", "r-1")
    key = run("keys", "show").out.splitlines()[0]
    pending, confirmed = tmp_path / "pending.json", tmp_path / "confirmed.json"
    run("proof", "r-1", "-o", pending)
    refused = run("verify", pending, "--key", key, "--require-confirmed", "--json")
    assert (refused.code, refused.json()["error"]["code"]) == (5, "not_confirmed")
    run("retirement", "confirm", "r-1", "--registry-ref", "ART-RET-7")
    run("proof", "r-1", "-o", confirmed)
    verified = run("verify", confirmed, "--key", key, "--require-confirmed")
    assert verified.code == 0, verified.err
    assert "confirmed by the registry as ART-RET-7" in verified.out
