"""The browser's verifier (static/verify.js) gives Python's verdict on every proof of a corpus:
valid or not, and the number and error code of the first check that failed.

The page is loaded once and its ``ledgerVerify`` called directly, so thousands of proofs run in
seconds; tests/browser/test_verify_page.py drives the page itself.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.signing.keys import TrustedKey
from ledger.transparency.bundle import ProofBundle, bundle_json
from tests.support.browser import VERIFY_CASES, VERIFY_CHANGES
from tests.support.proofs import RealProofs
from tests.support.signed_corpus import Operator, signed_corpus
from tests.support.verdicts import Verdict, python_verdict, trusted_from_text

VALID: Verdict = (None, None)
MASKS = [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80]
# Bytes that change a file's structure: end a string, escape, break a line, end the text.
REPLACEMENTS = [0x22, 0x5C, 0x0A, 0x00]


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def browser_verdicts(verifier: Any, cases: list[tuple[str, bytes, str]]) -> dict[str, Verdict]:
    found = verifier.evaluate(VERIFY_CASES, [[b64(raw), keys] for _, raw, keys in cases])
    return {name: (check, code) for (name, _, _), (check, code) in zip(cases, found, strict=True)}


def python_verdicts(cases: list[tuple[str, bytes, str]]) -> dict[str, Verdict]:
    return {name: python_verdict(raw, keys) for name, raw, keys in cases}


def disagreements(verifier: Any, cases: list[tuple[str, bytes, str]]) -> list[str]:
    browser = browser_verdicts(verifier, cases)
    python = python_verdicts(cases)
    return [f"{name}: Python {python[name]}, browser {browser[name]}"
            for name, _, _ in cases if python[name] != browser[name]]


def edited(raw: bytes, **changes: Any) -> bytes:
    bundle = ProofBundle.model_validate_json(raw)
    summary = bundle.summary.model_copy(update=changes.pop("summary", {}))
    return bundle_json(bundle.model_copy(update={"summary": summary, **changes}))


def stranger_key(name: str = "carbon-ledger") -> str:
    return TrustedKey(name, Ed25519PrivateKey.generate().public_key()).verifier_key


def test_real_proofs_are_valid_in_both(verifier: Any, proofs: RealProofs) -> None:
    cases = [
        ("plain, its key", proofs.plain, proofs.first_key),
        ("plain, the trust list", proofs.plain, proofs.trust_list),
        ("non-ASCII beneficiary", proofs.non_ascii, proofs.first_key),
        ("markup beneficiary", proofs.script, proofs.first_key),
        ("markup in an attribute", proofs.attribute, proofs.trust_list),
        ("after a rotation, the trust list", proofs.after_rotation, proofs.trust_list),
        ("after a rotation, its key", proofs.after_rotation, proofs.second_key),
        ("first key's event, second key's checkpoint", proofs.reproved, proofs.trust_list),
        ("the key file with its newline", proofs.plain, proofs.first_key + "\n"),
    ]
    assert set(browser_verdicts(verifier, cases).values()) == {VALID}
    assert set(python_verdicts(cases).values()) == {VALID}


def test_wrong_keys_fail_at_the_same_check(verifier: Any, proofs: RealProofs) -> None:
    cases = [
        ("first key's checkpoint, second key", proofs.plain, proofs.second_key),
        ("second key's checkpoint, first key", proofs.after_rotation, proofs.first_key),
        ("first key's event, second key only", proofs.reproved, proofs.second_key),
        ("a stranger's key of the same name", proofs.plain, stranger_key()),
        ("a stranger's key of another name", proofs.plain, stranger_key("registry")),
        ("no key", proofs.plain, ""),
        ("not a key", proofs.plain, "carbon-ledger"),
        ("a wrong key id", proofs.plain, proofs.first_key.replace("+", "+0", 1)[:-1]),
    ]
    assert disagreements(verifier, cases) == []
    python = python_verdicts(cases)
    assert python["first key's checkpoint, second key"] == (2, "checkpoint_invalid")
    assert python["first key's event, second key only"] == (5, "unknown_key")
    assert python["no key"] == python["not a key"] == ("input", None)


def test_a_trust_list_whose_window_excludes_the_event_fails_check_5_in_both(
    verifier: Any, proofs: RealProofs
) -> None:
    trust = json.loads(proofs.trust_list)
    first, second = trust["keys"]
    closed_early = {"keys": [{**first, "valid_until": "2000-01-01T00:00:00+00:00"}, second]}
    opened_late = {"keys": [first, {**second, "valid_from": "2999-01-01T00:00:00+00:00"}]}
    cases = [
        ("first key closed before its event", proofs.plain, json.dumps(closed_early)),
        ("second key opened after its event", proofs.after_rotation, json.dumps(opened_late)),
        ("first key's event under the second's checkpoint, first closed", proofs.reproved,
         json.dumps(closed_early)),
    ]
    assert disagreements(verifier, cases) == []
    assert set(python_verdicts(cases).values()) == {(5, "key_not_valid")}


def test_reformatted_proof_files_fail_check_1_in_both(verifier: Any, proofs: RealProofs) -> None:
    raw = proofs.non_ascii
    data = json.loads(raw)
    text = raw.decode()
    spellings = {
        "minified": json.dumps(data, separators=(",", ":"), ensure_ascii=False),
        "indented by 4": json.dumps(data, indent=4, ensure_ascii=False) + "\n",
        "keys sorted": json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n",
        "keys reversed": json.dumps(dict(reversed(data.items())), indent=2,
                                    ensure_ascii=False) + "\n",
        "ASCII escapes": json.dumps(data, indent=2) + "\n",
        "no final newline": text.rstrip("\n"),
        "two final newlines": text + "\n",
        "CRLF": text.replace("\n", "\r\n"),
        "byte order mark": "\ufeff" + text,
        "tabs": text.replace("  ", "\t"),
        "trailing space": text.replace(",\n", ", \n", 1),
        "escaped slash": text.replace("ledger/retirement", "ledger\\/retirement"),
    }
    cases = [(name, spelling.encode(), proofs.first_key) for name, spelling in spellings.items()]
    assert disagreements(verifier, cases) == []
    assert set(python_verdicts(cases).values()) == {(1, "proof_malformed")}


def test_edited_fields_fail_at_the_same_later_check(verifier: Any, proofs: RealProofs) -> None:
    raw = proofs.plain
    bundle = ProofBundle.model_validate_json(raw)
    other = ProofBundle.model_validate_json(proofs.after_rotation)
    cases = [
        ("tree size", edited(raw, tree_size=bundle.tree_size + 1), proofs.trust_list),
        ("leaf index", edited(raw, leaf_index=bundle.leaf_index - 1), proofs.trust_list),
        ("path reversed", edited(raw, inclusion_path=bundle.inclusion_path[::-1]),
         proofs.trust_list),
        ("another proof's checkpoint", edited(raw, checkpoint=other.checkpoint),
         proofs.trust_list),
        ("another proof's event", edited(raw, event=other.event), proofs.trust_list),
        *((f"summary {name}", edited(raw, summary={name: value}), proofs.trust_list)
          for name, value in [("beneficiary", "Another Corp"), ("quantity", 70),
                              ("retired_at", "2026-01-01T00:00:00+00:00"), ("vintage", 2022),
                              ("blocks", []), ("reason", "other"), ("buyer", "globex")]),
    ]
    assert disagreements(verifier, cases) == []
    found = {check for check, _ in python_verdicts(cases).values()}
    assert found == {3, 4, 7}


@pytest.mark.parametrize("which", ["non_ascii", "confirmed", "revealed"])
def test_every_single_bit_and_structural_byte_change_gets_the_same_verdict(
    verifier: Any, proofs: RealProofs, which: str
) -> None:
    # non_ascii: multi-byte characters in the summary; confirmed: a confirmation signed by
    # the second key beside a retirement signed by the first.
    raw = getattr(proofs, which)
    trusted = trusted_from_text(proofs.trust_list)
    changes = [(offset, mask, -1) for offset in range(len(raw)) for mask in MASKS]
    changes += [(offset, 0, value) for offset in range(len(raw)) for value in REPLACEMENTS
                if raw[offset] != value]
    browser = verifier.evaluate(VERIFY_CHANGES, [b64(raw), proofs.trust_list, changes])
    differ, checks = [], set()
    for (offset, mask, value), (check, code) in zip(changes, browser, strict=True):
        changed = bytearray(raw)
        changed[offset] = changed[offset] ^ mask if value < 0 else value
        python = python_verdict(bytes(changed), trusted)
        checks.add(python[0])
        if python != (check, code):
            differ.append(f"byte {offset} -> {changed[offset]:#04x}: Python {python}, "
                          f"browser {(check, code)}")
    assert differ == []
    assert len(changes) > 20_000
    assert None not in checks, "a changed byte was accepted"
    assert checks >= {1, 2, 4, 5, 7}


def test_proofs_only_a_key_holder_could_sign_get_the_same_verdict(verifier: Any) -> None:
    cases = [(case.name, case.raw, case.keys) for case in signed_corpus()]
    assert disagreements(verifier, cases) == []
    verdicts = set(python_verdicts(cases).values())
    assert {VALID, ("input", None), (2, "checkpoint_invalid"), (5, "key_not_valid"),
            (5, "signature_invalid"), (5, "unknown_key"), (6, "not_a_retirement"),
            (7, "summary_mismatch"), (3, "proof_invalid")} <= verdicts


def test_a_signed_payload_python_reads_as_utf16_is_refused_by_the_browser(verifier: Any) -> None:
    # A known difference, in the browser's stricter direction: the envelope format is UTF-8,
    # but Python's json.loads also reads UTF-16 (and UTF-32, and encoded surrogates).
    op = Operator(1)
    payload = op.payload().decode().encode("utf-16")
    cases = [("UTF-16 payload", op.proof(payload), op.key)]
    assert python_verdicts(cases) == {"UTF-16 payload": VALID}
    assert browser_verdicts(verifier, cases) == {"UTF-16 payload": (5, "signature_invalid")}
