"""Retirement certificates, on SQLite and PostgreSQL: the facts, the status, the proof inside
(verifiable as is), and a QR code to the public page when a base URL is given."""

from __future__ import annotations

import base64
import re

import pytest
import segno

from ledger.cli.certificate import certificate_page as render
from ledger.errors import InvalidArgument
from ledger.transparency.verify import verify_bundle
from ledger.usecases import certificates, confirmations, holdings, minting, reservations
from ledger.usecases.unit import UnitOfWork
from tests.support.builders import issuance, open_buyers

LEAF = "ART:ART102-2021-11"


@pytest.fixture
def retired(ledger: UnitOfWork) -> UnitOfWork:
    minting.mint(ledger, document=issuance(first=1, last=100))
    open_buyers(ledger, "acme")
    reservations.settle(ledger, reservation=reservations.reserve(
        ledger, buyer="acme", quantity=40, batch=LEAF).reservation)
    for key in ("r-1", "r-2"):
        holdings.retire(ledger, holder="acme", batch=LEAF, quantity=20,
                        beneficiary="Acme <Corp> & Co", reason="FY2025", claim_period="2025",
                        idempotency_key=key)
    return ledger


def test_a_certificate_holds_the_facts_and_a_proof_that_verifies(retired: UnitOfWork) -> None:
    confirmations.confirm_retirement(retired, retirement="r-1", registry_ref="ART-RET-7")
    cert = certificates.certificate(retired, retirement="r-1",
                                    base_url="https://ledger.example/")
    page = render(cert)
    assert "Acme &lt;Corp&gt; &amp; Co" in page and "<Corp>" not in page
    assert "confirmed by the registry as ART-RET-7" in page
    assert "ART-CR-102-2021-11-1 to 20" in page
    assert "<script" not in page
    url = f"https://ledger.example/retirements/{cert.retirement.retirement}"
    assert cert.page_url == url
    assert segno.make(url, error="m").svg_inline(scale=3) in page
    embedded = re.search(r"base64,([A-Za-z0-9+/=]+)", page)
    assert embedded is not None
    proof = base64.b64decode(embedded.group(1))
    verified = verify_bundle(proof, list(retired.keyring.trusted.values()))
    assert verified.summary.retirement_id == cert.retirement.retirement


def test_no_base_url_no_qr_code_and_reverted_or_insecure_is_refused(retired: UnitOfWork) -> None:
    assert "<svg" not in render(certificates.certificate(retired, retirement="r-1"))
    with pytest.raises(InvalidArgument, match="https"):
        certificates.certificate(retired, retirement="r-1", base_url="http://ledger.example")
    confirmations.revert_retirement(retired, retirement="r-2", reason="never made")
    with pytest.raises(InvalidArgument, match="reverted"):
        certificates.certificate(retired, retirement="r-2")
