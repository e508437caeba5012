"""Python's verdict on a proof file, in the form the browser's verifier reports it: the number
and error code of the first failed check, (None, None) when valid, or ("input", None) when the
keys text cannot be used at all (the CLI's usage or document errors)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from ledger.errors import LedgerError, VerificationFailed
from ledger.signing.keys import TrustedKey, read_trust
from ledger.transparency.verify import verify_bundle

Verdict = tuple[int | str | None, str | None]

_CHECK = re.compile(r"check (\d) of 7 ")


def trusted_from_text(text: str) -> list[TrustedKey]:
    """What `ledger verify` trusts given ``text`` as a key file (--key) or a trust list (--trust);
    LedgerError when it cannot be used."""
    text = text.strip()
    if not text.startswith("{"):
        return [TrustedKey.from_dict({"verifier_key": text})]
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory, "trust.json")
        path.write_text(text, encoding="utf-8")
        return read_trust(path)[1]


def python_verdict(raw: bytes, keys: str | list[TrustedKey]) -> Verdict:
    try:
        trusted = trusted_from_text(keys) if isinstance(keys, str) else keys
    except LedgerError:
        return ("input", None)
    try:
        verify_bundle(raw, trusted)
    except VerificationFailed as error:
        found = _CHECK.match(error.message)
        assert found, error.message
        return (int(found.group(1)), error.code)
    return (None, None)
