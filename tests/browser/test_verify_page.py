"""The verify page as a buyer uses it: opened from disk or served, fed by its form or by the
link's fragment, showing each check, and treating everything in a proof as text."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ledger.signing.keys import TrustedKey
from ledger.transparency.bundle import ProofBundle, bundle_json
from ledger.transparency.cosignature import parse_witness_key
from ledger.transparency.verify import verify_bundle
from ledger.web.verify_page import verify_page
from tests.support.proofs import ATTRIBUTE, NON_ASCII, SCRIPT, RealProofs
from tests.support.witness import SpecWitness

SERVED = "https://verify.example/verify.html"


def link(page_file: Path, proof: bytes, key: str) -> str:
    proof64 = base64.urlsafe_b64encode(proof).decode().rstrip("=")
    return f"{page_file.as_uri()}#proof={proof64}&key={quote(key, safe='')}"


def verdict(page: Any) -> str:
    page.wait_for_selector("#verdict[data-verdict]")
    return str(page.get_attribute("#verdict", "data-verdict"))


def statuses(page: Any) -> list[str]:
    return [page.get_attribute(f'[data-check="{n}"]', "data-status") for n in range(1, 8)]


def test_a_link_with_proof_and_key_checks_at_once_in_the_file_opened_from_disk(
    page: Any, page_file: Path, proofs: RealProofs
) -> None:
    page.goto(link(page_file, proofs.non_ascii, proofs.first_key))
    assert verdict(page) == "valid"
    assert statuses(page) == ["pass"] * 7
    assert page.text_content('[data-field="beneficiary"]') == NON_ASCII
    assert page.text_content('[data-field="labels"]') == "ca:committed, ccp"
    assert page.text_content('[data-field="status"]') == (
        "not confirmed by the registry in this proof")
    assert page.text_content('[data-check="5"] .status') == "pass"


def test_a_trust_list_in_the_link_accepts_a_proof_made_after_a_rotation(
    page: Any, page_file: Path, proofs: RealProofs
) -> None:
    page.goto(link(page_file, proofs.after_rotation, proofs.trust_list))
    assert verdict(page) == "valid"


def test_the_first_failed_check_is_named_and_the_rest_are_skipped(
    page: Any, page_file: Path, proofs: RealProofs
) -> None:
    bundle = ProofBundle.model_validate_json(proofs.plain)
    lied = bundle.model_copy(update={"summary": bundle.summary.model_copy(
        update={"quantity": 7000})})
    page.goto(link(page_file, bundle_json(lied), proofs.first_key))
    assert verdict(page) == "invalid"
    assert statuses(page) == ["pass"] * 6 + ["fail"]
    assert "field `quantity`" in page.text_content('[data-check="7"] .message')

    page.goto(link(page_file, proofs.plain, proofs.second_key))
    assert verdict(page) == "invalid"
    assert statuses(page) == ["pass", "fail"] + ["skipped"] * 5
    assert page.text_content("#verdict").startswith("Not valid: check 2 of 7")
    assert page.is_hidden("#retirement")


def test_a_key_that_cannot_be_read_is_invalid_with_every_check_skipped(
    page: Any, page_file: Path, proofs: RealProofs
) -> None:
    page.goto(link(page_file, proofs.plain, "carbon-ledger+0000"))
    assert verdict(page) == "invalid"
    assert statuses(page) == ["skipped"] * 7
    assert "key id" in page.text_content("#verdict")


def test_markup_in_a_proof_is_shown_as_text_and_never_runs(
    page: Any, page_file: Path, proofs: RealProofs
) -> None:
    for proof, beneficiary in ((proofs.script, SCRIPT), (proofs.attribute, ATTRIBUTE)):
        page.goto(link(page_file, proof, proofs.first_key))
        assert verdict(page) == "valid"
        assert page.text_content('[data-field="beneficiary"]') == beneficiary
        assert page.evaluate("typeof window.pwned") == "undefined"
        assert page.evaluate("document.querySelectorAll('img, #retirement script').length") == 0
    assert page.text_content('[data-field="reason"]') == SCRIPT


def test_a_chosen_file_and_a_pasted_text_verify_from_the_form(
    page: Any, page_file: Path, proofs: RealProofs, tmp_path: Path
) -> None:
    proof = tmp_path / "proof.json"
    proof.write_bytes(proofs.non_ascii)
    page.goto(page_file.as_uri())
    page.set_input_files("#proof-file", str(proof))
    page.wait_for_function("document.getElementById('proof-source').textContent !== ''")
    page.fill("#key-text", proofs.first_key)
    page.click("#verify")
    assert verdict(page) == "valid"

    page.fill("#proof-text", proofs.plain.decode())
    page.click("#verify")
    assert verdict(page) == "valid"

    page.fill("#proof-text", proofs.plain.decode().rstrip("\n"))
    page.click("#verify")
    assert verdict(page) == "invalid"
    assert "final newline is missing" in page.text_content('[data-check="1"] .message')


def test_the_page_makes_no_network_request(
    page: Any, page_file: Path, proofs: RealProofs
) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(link(page_file, proofs.plain, proofs.trust_list))
    assert verdict(page) == "valid"
    page.click("#verify")
    assert verdict(page) == "valid"
    assert [url for url in requests if not url.startswith(page_file.as_uri())] == []


def test_served_with_its_policy_the_page_runs_and_breaks_no_rule_of_it(
    page: Any, proofs: RealProofs
) -> None:
    served = verify_page()
    requests: list[str] = []
    violations: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.route("https://verify.example/**", lambda route: route.fulfill(
        status=200, body=served.html, content_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": served.csp}))
    proof64 = base64.urlsafe_b64encode(proofs.plain).decode().rstrip("=")
    page.goto(f"{SERVED}#proof={proof64}&key={quote(proofs.first_key, safe='')}")
    assert verdict(page) == "valid"
    assert requests == [SERVED]
    assert violations == []
    assert page.evaluate("getComputedStyle(document.body).maxWidth") != "none"  # style applied


def test_a_key_served_with_the_page_is_text_in_its_field_with_a_warning(
    page: Any, tmp_path: Path, proofs: RealProofs
) -> None:
    hostile = proofs.first_key + "</textarea><script>window.pwned=1</script>"
    path = tmp_path / "verify.html"
    path.write_text(verify_page(prefill_key=hostile).html, encoding="utf-8")
    page.goto(path.as_uri())
    assert page.input_value("#key-text") == hostile
    assert page.evaluate("typeof window.pwned") == "undefined"
    assert "independent source" in page.text_content("#verify-form")

    path.write_text(verify_page(prefill_key=proofs.first_key).html, encoding="utf-8")
    page.goto(path.as_uri())
    page.fill("#proof-text", proofs.plain.decode())
    page.click("#verify")
    assert verdict(page) == "valid"


def test_without_javascript_the_page_says_how_to_verify_on_the_command_line(
    browser: Any, page_file: Path
) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(page_file.as_uri())
        shown = page.inner_text("body")
        assert "Verification runs as a script in this page" in shown
        assert "ledger verify proof.json" in shown
    finally:
        context.close()


def test_the_link_may_carry_a_trust_list_as_json(
    page: Any, page_file: Path, proofs: RealProofs
) -> None:
    compact = json.dumps(json.loads(proofs.trust_list))
    page.goto(link(page_file, proofs.reproved, compact))
    assert verdict(page) == "valid"


def test_a_checkpoint_cosigned_by_witnesses_is_checked_as_python_checks_it(
    page: Any, page_file: Path, proofs: RealProofs
) -> None:
    """Served proofs carry witnesses' cosignatures (C2SP tlog-cosignature): without witness
    keys the page ignores their lines, as lines of unknown keys; with them it requires them,
    as `ledger verify --witness` does."""
    bundle = ProofBundle.model_validate_json(proofs.non_ascii)
    body = bundle.checkpoint[: bundle.checkpoint.rfind("\n\n") + 1]
    witnesses = [SpecWitness(name=f"witness.test/{n}") for n in (1, 2)]
    cosigned = bundle.model_copy(update={
        "checkpoint": bundle.checkpoint + "".join(w.cosign(body) for w in witnesses)})
    raw = bundle_json(cosigned)
    first = [TrustedKey.from_dict({"verifier_key": proofs.first_key})]
    python = verify_bundle(raw, first,
                           [parse_witness_key(w.vkey) for w in witnesses], 2)
    assert len(python.cosignatures) == 2
    page.goto(link(page_file, raw, proofs.first_key))
    assert verdict(page) == "valid"
    assert page.text_content('[data-field="cosignedBy"]') == ""  # none asked for

    # Asked for, as `ledger verify --witness`: both cosigned, so it is valid and says who.
    asked = "".join(f"&witness={quote(w.vkey, safe='')}" for w in witnesses)
    page.goto(link(page_file, raw, proofs.first_key) + asked)
    assert verdict(page) == "valid"
    shown = page.text_content('[data-field="cosignedBy"]')
    assert all(w.name in shown for w in witnesses), shown

    # A witness that did not cosign: refused, as Python refuses it, naming who did.
    stranger = SpecWitness(name="witness.test/3")
    page.goto(link(page_file, raw, proofs.first_key) + asked
              + f"&witness={quote(stranger.vkey, safe='')}")
    assert verdict(page) == "invalid"
    assert "at least 3 of 3 trusted witnesses, found 2" in page.text_content("#verdict")
    page.goto(link(page_file, raw, proofs.first_key) + asked
              + f"&witness={quote(stranger.vkey, safe='')}&min-witnesses=2")
    assert verdict(page) == "valid"

    # An uncosigned proof with a witness required.
    page.goto(link(page_file, proofs.non_ascii, proofs.first_key)
              + f"&witness={quote(witnesses[0].vkey, safe='')}")
    assert verdict(page) == "invalid"
    assert "found 0 (none)" in page.text_content("#verdict")


def test_a_confirmed_proof_shows_the_registry_reference(
    page: Any, page_file: Path, proofs: RealProofs
) -> None:
    page.goto(link(page_file, proofs.confirmed, proofs.trust_list))
    assert verdict(page) == "valid"
    assert page.text_content('[data-field="status"]') == (
        "confirmed by the registry as ART-RET-2025-0042 · São Paulo")


def test_a_revealed_proof_shows_the_name_it_revealed(
    page: Any, page_file: Path, proofs: RealProofs
) -> None:
    page.goto(link(page_file, proofs.revealed, proofs.trust_list))
    assert verdict(page) == "valid"
    shown = page.text_content('[data-field="beneficiary"]')
    assert shown is not None and shown.startswith(f"{NON_ASCII} (revealed; signed as hidden until")
