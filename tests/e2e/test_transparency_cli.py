"""The operator issues a proof and a checkpoint history; a buyer verifies both offline."""

from __future__ import annotations

import json
from pathlib import Path

LEAF = "ART:ART102-2021-11"


def test_a_buyer_verifies_a_retirement_proof_and_the_log_growth_offline(
    ready, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    cli = ready
    assert cli("reserve", "--buyer", "acme", "--quantity", "40", "--batch", LEAF,
               "--idempotency-key", "po-1").code == 0
    assert cli("settle", "po-1").code == 0
    assert cli("retire", "--holder", "acme", "--batch", LEAF, "--quantity", "25",
               "--beneficiary", "Acme Corp", "--reason", "2025 claim", "--claim-period",
               "2025", "--idempotency-key", "ret-1").code == 0
    proof = tmp_path / "proof.json"
    assert cli("proof", "ret-1", "-o", str(proof)).code == 0
    vkey = cli("keys", "show").out.strip()
    verified = cli("verify", str(proof), "--key", vkey)
    assert verified.code == 0 and "25 credits" in verified.out

    old = cli("checkpoints", "--json").json()[-1]
    cli("retire", "--holder", "acme", "--batch", LEAF, "--quantity", "1", "--beneficiary",
        "Acme Corp", "--reason", "claim", "--claim-period", "2025")
    new = cli("checkpoint", "--json").json()
    (tmp_path / "old.txt").write_text(old["note"])
    (tmp_path / "new.txt").write_text(new["note"])
    cons = tmp_path / "proof.txt"
    assert cli("consistency", str(old["tree_size"]), str(new["tree_size"]), "-o",
               str(cons)).code == 0
    grew = cli("verify-consistency", str(tmp_path / "old.txt"), str(tmp_path / "new.txt"),
               str(cons), "--key", vkey)
    assert grew.code == 0, grew.err

    original = proof.read_text()
    assert json.loads(original)["summary"]["quantity"] == 25
    proof.write_text(original.replace('"quantity": 25', '"quantity": 95', 1))
    refused = cli("verify", str(proof), "--key", vkey, "--json")
    assert refused.code == 5
    assert refused.json()["error"]["code"] == "summary_mismatch"
    proof.write_text(json.dumps(json.loads(original)))
    reformatted = cli("verify", str(proof), "--key", vkey, "--json")
    assert (reformatted.code, reformatted.json()["error"]["code"]) == (5, "proof_malformed")


def test_the_proof_in_tlog_proof_format_names_the_leaf_and_checkpoint(ready) -> None:  # type: ignore[no-untyped-def]
    cli = ready
    cli("reserve", "--buyer", "acme", "--quantity", "3", "--batch", LEAF, "--idempotency-key",
        "po-2")
    cli("settle", "po-2")
    cli("retire", "--holder", "acme", "--batch", LEAF, "--quantity", "3", "--beneficiary",
        "Acme", "--reason", "claim", "--claim-period", "2025", "--idempotency-key", "r-2")
    text = cli("proof", "r-2", "--format", "tlog-proof").out
    assert text.startswith("c2sp.org/tlog-proof@v1\nindex ")
    assert "carbon-ledger.example/log" in text
