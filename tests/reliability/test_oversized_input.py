"""Oversized input is refused early, with a clear error and bounded memory.

Each case runs the `ledger` command in a process of its own under ``peak_memory.py``, which
reports that process's peak resident memory (``RUSAGE_CHILDREN.ru_maxrss``). Huge files are sparse
(``truncate``): they cost no disk, only what a reader makes of them. The short form uses
256 MiB files, the long form 1 GiB ones; the bound is the same.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.signing.c2sp import verifier_key
from tests.reliability.scenario import LEDGER, cli_env
from tests.support.builders import example_data

PEAK_MB_MAX = 200
REFUSED_WITHIN_S = 60
PEAK_MEMORY = Path(__file__).with_name("peak_memory.py")
SIZES = [pytest.param(256 * 2**20, id="256MiB"),
         pytest.param(2**30, id="1GiB", marks=pytest.mark.slow)]
MB10 = 10 * 2**20


@dataclass(frozen=True)
class Peak:
    code: int | None
    peak_mb: float
    out: str
    err: str
    seconds: float


def sparse(path: Path, prefix: bytes, size: int) -> Path:
    """``prefix``, then zero bytes up to ``size``: a file of that size using no disk."""
    path.write_bytes(prefix)
    os.truncate(path, size)
    return path


def measure(command: list[str], env: dict[str, str], where: Path) -> Peak:
    report = where / "peak.json"
    started = time.monotonic()
    subprocess.run([sys.executable, str(PEAK_MEMORY), str(REFUSED_WITHIN_S), str(report),
                    *command], env=env, check=True, timeout=REFUSED_WITHIN_S + 30)
    body: dict[str, Any] = json.loads(report.read_text())
    return Peak(body["returncode"], body["maxrss_mb"], body["stdout"], body["stderr"],
                time.monotonic() - started)


@pytest.fixture(scope="module")
def ledger_cli(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Peak]:
    """``ledger ARGS`` on an embedded ledger, measured. (Every case is refused: it stays empty.)"""
    where = tmp_path_factory.mktemp("oversized")
    env = cli_env(str(where / "ledger.db"), where / "keys")
    subprocess.run([str(LEDGER), "init"], env=env, check=True, capture_output=True, timeout=60)

    def run(*args: str) -> Peak:
        return measure([str(LEDGER), *args, "--json"], env, where)

    return run


Report = Callable[[str], None]


def refused(peak: Peak, code: str, says: str, report: Report) -> None:
    """Refused with ``code`` and a message saying ``says``, in bounded memory."""
    report(f"exit {peak.code} in {peak.seconds:.1f} s, peak memory {peak.peak_mb:.0f} MB "
           f"(bound {PEAK_MB_MAX} MB)")
    assert peak.code is not None, f"still running after {REFUSED_WITHIN_S} s"
    assert "Traceback" not in peak.err, peak.err
    assert peak.code == 4, (peak.out, peak.err)
    error = json.loads(peak.out)["error"]
    assert error["code"] == code and says in error["message"], error
    assert peak.peak_mb < PEAK_MB_MAX, f"peak memory {peak.peak_mb:.0f} MB"


@pytest.mark.parametrize("size", SIZES)
def test_a_huge_issuance_file_is_refused_early_in_bounded_memory(
    ledger_cli: Callable[..., Peak], tmp_path: Path, size: int, report: Report
) -> None:
    big = sparse(tmp_path / "issuance.json", b'{"source": "LEAF", "registry": "', size)
    refused(ledger_cli("mint", str(big)), "invalid_document", "at most 1000000 bytes", report)


@pytest.mark.parametrize("size", SIZES)
def test_an_import_file_with_one_huge_line_is_refused_early_in_bounded_memory(
    ledger_cli: Callable[..., Peak], tmp_path: Path, size: int, report: Report
) -> None:
    big = sparse(tmp_path / "ops.jsonl", b'{"op": "mint", "document": {"source": "', size)
    refused(ledger_cli("import", str(big)), "invalid_document", "line 1: expected at most",
            report)


def test_a_document_with_a_10_mb_string_is_refused_in_bounded_memory(
    ledger_cli: Callable[..., Peak], tmp_path: Path, report: Report
) -> None:
    document = example_data("DAC") | {"methodology": "x" * MB10}
    path = tmp_path / "issuance.json"
    path.write_text(json.dumps(document))
    refused(ledger_cli("mint", str(path)), "invalid_document", "at most 1000000 bytes", report)


def test_a_document_with_a_million_element_list_is_refused_in_bounded_memory(
    ledger_cli: Callable[..., Peak], tmp_path: Path, report: Report
) -> None:
    document = example_data("LEAF") | {"labels": ["CCP"] * 10**6}
    path = tmp_path / "issuance.json"
    path.write_text(json.dumps(document))
    refused(ledger_cli("mint", str(path)), "invalid_document", "at most 1000000 bytes", report)


@pytest.mark.parametrize("line", [
    pytest.param({"op": "mint", "document": example_data("DAC") | {"methodology": "x" * MB10}},
                 id="10MB-string"),
    pytest.param({"op": "open_account", "handle": "acme", "name": "Acme", "role": "buyer",
                  "scope_targets": [1] * 10**6}, id="million-element-list"),
])
def test_an_import_line_too_long_to_be_an_operation_is_refused_in_bounded_memory(
    ledger_cli: Callable[..., Peak], tmp_path: Path, line: dict[str, Any], report: Report
) -> None:
    path = tmp_path / "ops.jsonl"
    path.write_text(json.dumps(line) + "\n")
    refused(ledger_cli("import", str(path)), "invalid_document", "line 1: expected at most",
            report)


def refused_export(peak: Peak, report: Report) -> None:
    refused(peak, "invalid_export", "", report)


CANONICAL_HEADER = (b"registry,batch_ref,serial,scope,first,last,quantity,status,beneficiary,"
                    b"retired_on,reason\n")


def test_a_csv_export_with_a_10_mb_field_is_refused_in_bounded_memory(
    ledger_cli: Callable[..., Peak], tmp_path: Path, report: Report
) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(CANONICAL_HEADER + b"ART,ART:ART102-2016-9,,ART-GY-102-2016-9,1,8,8,"
                     b"retired," + b"x" * MB10 + b",2023-06-27,claim\n")
    refused_export(ledger_cli("reconcile", str(path)), report)


@pytest.mark.parametrize("size", SIZES)
def test_a_huge_one_line_csv_export_is_refused_in_bounded_memory(
    ledger_cli: Callable[..., Peak], tmp_path: Path, size: int, report: Report
) -> None:
    big = sparse(tmp_path / "export.csv", b"registry,", size)
    refused_export(ledger_cli("reconcile", str(big)), report)


@pytest.mark.parametrize("size", SIZES)
def test_a_huge_one_line_json_lines_export_is_refused_in_bounded_memory(
    ledger_cli: Callable[..., Peak], tmp_path: Path, size: int, report: Report
) -> None:
    big = sparse(tmp_path / "export.jsonl", b'{"registry": "', size)
    refused_export(ledger_cli("reconcile", str(big)), report)


@pytest.mark.parametrize("size", SIZES)
def test_a_huge_json_array_export_is_refused_in_bounded_memory(
    ledger_cli: Callable[..., Peak], tmp_path: Path, size: int, report: Report
) -> None:
    big = sparse(tmp_path / "export.json", b'[{"registry": "', size)
    refused_export(ledger_cli("reconcile", str(big)), report)


@pytest.mark.parametrize("size", SIZES)
def test_a_huge_proof_file_is_refused_early_in_bounded_memory(
    tmp_path: Path, size: int, report: Report
) -> None:
    public = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    key = verifier_key("carbon-ledger", public)
    big = sparse(tmp_path / "proof.json", b'{\n  "format": "', size)
    peak = measure([str(LEDGER), "verify", str(big), "--key", key, "--json"], dict(os.environ),
                   tmp_path)
    report(f"exit {peak.code} in {peak.seconds:.1f} s, peak memory {peak.peak_mb:.0f} MB")
    assert peak.code == 5, (peak.out, peak.err)
    assert json.loads(peak.out)["error"]["code"] == "proof_malformed"
    assert peak.peak_mb < PEAK_MB_MAX, f"peak memory {peak.peak_mb:.0f} MB"
