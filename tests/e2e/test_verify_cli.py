"""`ledger verify` and `ledger verify-consistency` end to end: real proof files, no database."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ledger.signing.keys import write_trust
from ledger.transparency.bundle import ProofBundle, bundle_json
from ledger.transparency.merkle import consistency_proof
from ledger.transparency.verify import format_consistency_proof
from ledger.web.verify_page import verify_page
from tests.support.cli import Run
from tests.unit.transparency.test_bundle import build_scenario


@pytest.fixture
def run(run: Run, tmp_path: Path) -> Iterator[Run]:
    """The shared CLI driver, and afterwards: verifying never creates a database."""
    yield run
    assert not (tmp_path / "ledger.db").exists(), "verifying must not create a database"


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """Proof files, the operator's keys and checkpoints, as a buyer or auditor receives them."""
    s = build_scenario()
    old_size = ProofBundle.model_validate_json(s.before).tree_size
    contents = {
        "before.json": s.before, "after.json": s.after, "old-after.json": s.old_after,
        "old.vkey": s.old.public.verifier_key.encode() + b"\n",
        "old.checkpoint": s.checkpoint_before.encode(),
        "new.checkpoint": s.checkpoint_after.encode(),
        "growth.proof": format_consistency_proof(
            consistency_proof(old_size, s.log.tree.size, s.log.nodes)).encode(),
    }
    paths = {name: tmp_path / name for name in contents}
    for name, data in contents.items():
        paths[name].write_bytes(data)
    paths["trust.json"] = tmp_path / "trust.json"
    write_trust(paths["trust.json"], s.new.key_id, s.trust)
    return paths


def next_byte(byte: int) -> int:
    return byte + 1


def other_base64(byte: int) -> int:
    return ord("A") if byte != ord("A") else ord("B")


def tab(byte: int) -> int:
    return ord("\t")


def changed(path: Path, needle: bytes, change: Callable[[int], int] = other_base64) -> Path:
    """A copy of the file with the byte just after the first ``needle`` changed."""
    data = bytearray(path.read_bytes())
    offset = data.index(needle) + len(needle)
    data[offset] = change(data[offset])
    changed = path.with_name(f"changed-{needle.hex()[:16]}-{path.name}")
    changed.write_bytes(data)
    return changed


def test_verify_prints_one_line_naming_who_retired_how_much_of_what_in_which_checkpoint(
    run: Run, files: dict[str, Path]
) -> None:
    result = run("verify", files["before.json"], "--key", build_scenario().old.public.verifier_key)
    assert result.code == 0, result.err
    assert result.out.count("\n") == 1
    assert result.out.startswith(
        "verified: acme retired 25 credits of ART:ART102-2021-11 (LEAF, vintage 2021, serials "
        "1..20, 41..45) for 'São Paulo Transportes S.A. — frota 🌳', claim period 2025"
    )
    assert "leaf 17 of checkpoint registry.example/carbon-ledger at tree size 26" in result.out


def test_verify_reads_the_key_from_a_file(run: Run, files: dict[str, Path]) -> None:
    assert run("verify", files["before.json"], "--key", files["old.vkey"]).code == 0


@pytest.mark.parametrize("proof", ["before.json", "after.json", "old-after.json"])
def test_verify_with_the_trust_list_accepts_proofs_from_before_and_after_a_key_rotation(
    run: Run, files: dict[str, Path], proof: str
) -> None:
    result = run("verify", files[proof], "--trust", files["trust.json"])
    assert result.code == 0, result.err


def test_verify_json_reports_the_retirement_and_its_checkpoint(
    run: Run, files: dict[str, Path]
) -> None:
    result = run("verify", files["after.json"], "--trust", files["trust.json"], "--json")
    assert result.code == 0
    report = result.json()
    assert report["verified"] is True
    assert (report["retirement"]["quantity"], report["retirement"]["beneficiary"]) == (
        7, "Acme Corp")
    assert report["checkpoint"]["tree_size"] == 43
    assert report["event_key_id"] == build_scenario().new.key_id


@pytest.mark.parametrize(
    ("needle", "change", "code", "check"),
    [(b'"quantity": ', next_byte, "summary_mismatch", 7),  # 25 -> 35
     (b'"payload": "', other_base64, "proof_invalid", 4),
     (b'"signature": "', other_base64, "signature_invalid", 5),
     (b'"tree_size": ', next_byte, "proof_invalid", 3),
     (b'"inclusion_path": [\n    "', other_base64, "proof_invalid", 4),
     (b"\n", tab, "proof_malformed", 1),  # the same JSON, respelled
     (b"\\n\\n\xe2\x80\x94 carbon-ledger ", other_base64, "checkpoint_invalid", 2)],
    ids=["summary", "payload", "signature", "tree-size", "inclusion-path", "whitespace",
         "checkpoint"],
)
def test_a_changed_byte_fails_verification_with_exit_5_naming_the_check(
    run: Run, files: dict[str, Path], needle: bytes, change: Callable[[int], int], code: str,
    check: int,
) -> None:
    proof = changed(files["before.json"], needle, change)
    result = run("verify", proof, "--trust", files["trust.json"], "--json")
    assert result.code == 5
    assert result.json()["error"]["code"] == code
    assert result.json()["error"]["message"].startswith(f"check {check} of 7")


def test_a_summary_claiming_more_credits_fails_verification(
    run: Run, files: dict[str, Path]
) -> None:
    bundle = ProofBundle.model_validate_json(files["before.json"].read_bytes())
    bigger = bundle.model_copy(update={"summary": bundle.summary.model_copy(
        update={"quantity": 2500})})
    files["before.json"].write_bytes(bundle_json(bigger))
    result = run("verify", files["before.json"], "--trust", files["trust.json"])
    assert result.code == 5
    assert result.out == ""
    assert result.err.startswith("error[summary_mismatch]: check 7 of 7 (summary): field "
                                 "`quantity`: the signed event says 25, the summary 2500")


@pytest.mark.parametrize("content", [b"", b"not json", b'{"format": "x"}'])
def test_a_file_that_is_not_a_proof_fails_verification(
    run: Run, files: dict[str, Path], tmp_path: Path, content: bytes
) -> None:
    (tmp_path / "odd.json").write_bytes(content)
    result = run("verify", tmp_path / "odd.json", "--trust", files["trust.json"], "--json")
    assert (result.code, result.json()["error"]["code"]) == (5, "proof_malformed")


def test_a_proof_checked_with_another_operators_key_fails(
    run: Run, files: dict[str, Path]
) -> None:
    result = run("verify", files["after.json"], "--key", files["old.vkey"], "--json")
    assert (result.code, result.json()["error"]["code"]) == (5, "checkpoint_invalid")


@pytest.mark.parametrize(
    ("args", "code"),
    [((), 2), (("--key", "old.vkey", "--trust", "trust.json"), 2),
     (("--key", "carbon-ledger+00000000+AQ=="), 2), (("--trust", "missing.json"), 3)],
    ids=["no-key", "both", "malformed-key", "missing-trust-list"],
)
def test_key_arguments_the_user_got_wrong_are_usage_errors_not_failed_verifications(
    run: Run, files: dict[str, Path], args: tuple[str, ...], code: int
) -> None:
    assert run("verify", files["before.json"], *args).code == code


def test_a_missing_proof_file_is_not_found(run: Run, files: dict[str, Path]) -> None:
    assert run("verify", "nowhere.json", "--trust", files["trust.json"]).code == 3


def test_verify_consistency_confirms_the_log_only_grew(run: Run, files: dict[str, Path]) -> None:
    result = run("verify-consistency", files["old.checkpoint"], files["new.checkpoint"],
                 files["growth.proof"], "--trust", files["trust.json"])
    assert result.code == 0, result.err
    assert result.out == ("consistent: registry.example/carbon-ledger grew from tree size 26 to "
                          "43 without changing a leaf\n")


def test_a_mutated_consistency_proof_fails_verification(run: Run, files: dict[str, Path]) -> None:
    proof = files["growth.proof"]
    first_line = proof.read_bytes().split(b"\n")[0]
    # Another hash; then the same hash spelled with its unused last bits set.
    for needle, change in ((first_line[:10], other_base64), (first_line[:42], next_byte)):
        result = run("verify-consistency", files["old.checkpoint"], files["new.checkpoint"],
                     changed(proof, needle, change), "--trust", files["trust.json"], "--json")
        assert (result.code, result.json()["error"]["code"]) == (5, "consistency_failed")


def test_the_installed_command_verifies_a_proof(files: dict[str, Path], tmp_path: Path) -> None:
    ledger = Path(sys.executable).with_name("ledger")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    result = subprocess.run(
        [str(ledger), "verify", str(files["before.json"]), "--key", str(files["old.vkey"])],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("verified: acme retired 25 credits")
    assert not (tmp_path / "ledger.db").exists()


def test_verify_page_writes_the_self_contained_page(run: Run, tmp_path: Path) -> None:
    result = run("verify-page", "-o", tmp_path / "verify.html")
    assert (result.code, result.err) == (0, f"wrote {tmp_path / 'verify.html'}\n")
    assert (tmp_path / "verify.html").read_text(encoding="utf-8") == verify_page().html


def test_verify_page_fills_in_the_key_or_trust_list_it_is_given(
    run: Run, files: dict[str, Path]
) -> None:
    key = files["old.vkey"].read_text().strip()
    assert run("verify-page", "--key", files["old.vkey"]).out == \
        verify_page(prefill_key=key).html
    assert run("verify-page", "--trust", files["trust.json"]).out == \
        verify_page(prefill_key=files["trust.json"].read_text()).html
    page = run("verify-page", "--json").json()
    assert page == verify_page().to_json()


def test_verify_page_refuses_a_key_it_cannot_read(run: Run, files: dict[str, Path]) -> None:
    assert run("verify-page", "--key", "carbon-ledger+00").code == 2
    assert run("verify-page", "--key", files["old.vkey"], "--trust", files["trust.json"]).code \
        == 2
    assert run("verify-page", "--trust", files["before.json"]).code == 4
