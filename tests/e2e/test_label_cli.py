"""`ledger label apply|revoke` and `--require` end to end: the JSON, the text, the codes."""

from __future__ import annotations

LEAF = "ART:ART102-2021-11"


def test_a_label_with_evidence_gates_a_corsia_cancellation(
    ready  # type: ignore[no-untyped-def]
) -> None:
    run = ready
    cancel = ("cancel", "--holder", "operator", "--batch", LEAF, "--quantity", "100",
              "--type", "compliance", "--reason", "CORSIA", "--require", "corsia:first-phase",
              "--json")
    refused = run(*cancel)
    assert (refused.code, refused.json()["error"]["code"]) == (4, "label_missing")
    applied = run("label", "apply", "--batch", LEAF, "--label", "corsia:first-phase",
                  "--evidence", "Letter of authorisation, 2024-03", "--effective", "2024-05-01",
                  "--json")
    assert applied.code == 0, applied.err
    assert applied.json()["labels"] == ["ca:committed", "ccp", "corsia:first-phase"]
    done = run(*cancel)
    assert done.code == 0 and done.json()["labels"] == applied.json()["labels"]
    again = run("label", "apply", "--batch", LEAF, "--label", "corsia:first-phase",
                "--evidence", "again", "--json")
    assert (again.code, again.json()["error"]["code"]) == (4, "label_conflict")
    assert "corsia:first-phase (from 2024-05-01)" in run("show", "batch", LEAF).out
    revoked = run("label", "revoke", "--batch", LEAF, "--label", "corsia:first-phase",
                  "--evidence", "withdrawn")
    assert revoked.code == 0 and "corsia:first-phase revoked" in revoked.out
    history = run("show", "batch", LEAF, "--json").json()["label_history"]
    assert [h["change"] for h in history if h["label"] == "corsia:first-phase"] == [
        "applied", "revoked"]


def test_bad_label_input_is_a_usage_error(ready) -> None:  # type: ignore[no-untyped-def]
    run = ready
    unknown = run("label", "apply", "--batch", LEAF, "--label", "gold", "--evidence", "e",
                  "--json")
    assert unknown.code == 2 and "corsia:pilot" in unknown.json()["error"]["message"]
    bad_day = run("label", "apply", "--batch", LEAF, "--label", "ccp", "--evidence", "e",
                  "--effective", "2024-02-30", "--json")
    assert bad_day.code == 2
    assert bad_day.json()["error"] == {
        "code": "invalid_argument",
        "message": "--effective: expected a day YYYY-MM-DD from 1990 to 2100, found "
                   "'2024-02-30'"}
