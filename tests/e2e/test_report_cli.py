"""`ledger report claims` end to end: each format, the file, and the exit code."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

LEAF = "ART:ART102-2021-11"
PERIOD = str(datetime.now(UTC).year - 1)


def test_the_claims_report_in_each_format(ready, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run = ready
    run("reserve", "--buyer", "acme", "--quantity", "30", "--batch", LEAF,
        "--idempotency-key", "po")
    run("settle", "po")
    run("retire", "--holder", "acme", "--batch", LEAF, "--quantity", "10", "--beneficiary",
        "Acme", "--reason", "claim", "--claim-period", PERIOD, "--idempotency-key", "r-1")
    pending = run("report", "claims", "--buyer", "acme", "--period", PERIOD)
    assert pending.code == 5 and "problem not_confirmed" in pending.out
    assert "error[claim_findings]" in pending.err
    run("retirement", "confirm", "r-1", "--registry-ref", "ART-RET-9")
    clean = run("report", "claims", "--buyer", "acme", "--period", PERIOD, "--json")
    assert clean.code == 0, clean.out
    assert clean.json()["totals"] == [{"kind": "reduction", "unit": "t", "quantity": 10}]
    rows = list(csv.DictReader(io.StringIO(run(
        "report", "claims", "--buyer", "acme", "--period", PERIOD, "--format", "csv").out)))
    assert [(r["registry_ref"], r["serials"], r["status"]) for r in rows] == [
        ("ART-RET-9", "ART-CR-102-2021-11-1 to 10", "confirmed")]
    page = tmp_path / "claims.html"
    written = run("report", "claims", "--buyer", "acme", "--period", PERIOD, "--format",
                  "html", "-o", page)
    assert written.code == 0
    html = page.read_text(encoding="utf-8")
    assert "Every check passed." in html and "ART-RET-9" in html and "<script" not in html


def test_a_certificate_is_written_to_a_file(ready, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run = ready
    run("reserve", "--buyer", "acme", "--quantity", "10", "--batch", LEAF,
        "--idempotency-key", "po")
    run("settle", "po")
    run("retire", "--holder", "acme", "--batch", LEAF, "--quantity", "10", "--beneficiary",
        "Acme", "--reason", "claim", "--claim-period", PERIOD, "--idempotency-key", "r-1")
    page = tmp_path / "cert.html"
    written = run("certificate", "r-1", "-o", page, "--base-url", "https://ledger.example")
    assert written.code == 0, written.err
    assert "Certificate of retirement" in page.read_text(encoding="utf-8")
    insecure = run("certificate", "r-1", "--base-url", "http://x", "--json")
    assert (insecure.code, insecure.json()["error"]["code"]) == (2, "invalid_argument")
