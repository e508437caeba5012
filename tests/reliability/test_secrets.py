"""Secrets: private keys are 0600 and refused otherwise; no command ever shows a private key or a
database password (output, errors, ``--json``, logs, files it writes); all SQL in ``ledger/`` is
parameterised."""

from __future__ import annotations

import ast
import base64
import json
import logging
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from cryptography.hazmat.primitives import serialization

from ledger.cli.main import main
from ledger.signing.keys import read_private_key
from tests.reliability.scenario import LEDGER, cli_env, operations, write_operations
from tests.support.builders import EXAMPLES

LEAF = "ART:ART102-2021-11"
DAC = "Puro:TXDAC01-2026-0007"
SECRET = "s3cr3t-Pa55:w0rd"
LEDGER_CODE = Path(__file__).resolve().parents[2] / "ledger"
EXPORTS = Path(__file__).resolve().parents[1] / "fixtures" / "exports"

Run = Callable[..., tuple[int, str, str]]


# --- key files ------------------------------------------------------------------------------


@pytest.fixture
def run(tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> Run:
    """``ledger ARGS`` in this process, on an embedded ledger in ``tmp_path``."""
    monkeypatch.setenv("LEDGER_DB", str(tmp_path / "ledger.db"))
    monkeypatch.delenv("LEDGER_KEY_DIR", raising=False)

    def invoke(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        with pytest.raises(SystemExit) as exited:
            main(list(args))
        captured = capsys.readouterr()
        return int(exited.value.code or 0), captured.out, captured.err

    return invoke


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o666, 0o620, 0o602],
                         ids=lambda mode: f"{mode:04o}")
def test_a_private_key_readable_or_writable_by_others_is_refused_and_nothing_is_written(
    run: Run, tmp_path: Path, mode: int
) -> None:
    assert run("init")[0] == 0
    key_dir = tmp_path / "ledger.db.keys"
    key = key_dir / "operator.key"
    assert (key.stat().st_mode & 0o777, key_dir.stat().st_mode & 0o777) == (0o600, 0o700)
    head = json.loads(run("status", "--json")[1])["projections"][0]["head"]
    key.chmod(mode)
    for args in (["mint", str(EXAMPLES / "dac-issuance.json")], ["keys", "show"],
                 ["keys", "rotate"], ["show", "batch", LEAF]):
        code, out, err = run(*args, "--json")
        assert code == 4, (args, out, err)
        error = json.loads(out)["error"]
        assert error["code"] == "key_file_insecure"
        assert "expected permissions 0600" in error["message"] and f"{mode:04o}" in error["message"]
    key.chmod(0o600)
    # nothing was written
    assert json.loads(run("status", "--json")[1])["projections"][0]["head"] == head
    assert run("mint", str(EXAMPLES / "dac-issuance.json"))[0] == 0


def test_an_owner_only_key_is_accepted_and_a_rotated_key_is_written_0600(
    run: Run, tmp_path: Path
) -> None:
    assert run("init")[0] == 0
    key = tmp_path / "ledger.db.keys" / "operator.key"
    key.chmod(0o400)
    assert run("keys", "show")[0] == 0
    key.chmod(0o600)
    assert run("keys", "rotate")[0] == 0
    assert key.stat().st_mode & 0o777 == 0o600
    assert not list(key.parent.glob("*.tmp"))


# --- the scripted session -------------------------------------------------------------------


def forbidden(key_files: list[Path], password: str) -> list[str]:
    """Every spelling of the secrets that must never be shown."""
    spellings = [password, quote(password, safe=""), quote(password)]
    for path in key_files:
        private = read_private_key(path)
        raw = private.private_bytes_raw()
        pem = private.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()).decode()
        body = [line for line in pem.splitlines() if line and not line.startswith("-----")]
        spellings += [*body, "".join(body), raw.hex(), raw.hex().upper(),
                      base64.b64encode(raw).decode(),
                      base64.urlsafe_b64encode(raw).decode().rstrip("=")]
    return spellings


def session(run: Run, work: Path, unreachable: str) -> list[tuple[int, str, str]]:
    """Every command, in text and ``--json``, the failing ones too; their outputs."""
    outputs: list[tuple[int, str, str]] = []

    def both(*args: str) -> dict[str, object] | list[object] | None:
        as_json = run(*args, "--json")
        outputs.append(as_json)
        outputs.append(run(*args))
        try:
            parsed: dict[str, object] | list[object] = json.loads(as_json[1])
        except ValueError:
            return None
        return parsed

    ops = write_operations(work / "ops.jsonl", operations(3))
    both("init")
    both("keys", "show")
    both("keys", "trust", "--export", str(work / "trust.json"))
    both("mint", str(EXAMPLES / "leaf-issuance.json"))
    both("mint", str(EXAMPLES / "dac-issuance.json"))
    both("account", "open", "acme", "--name", "Acme", "--role", "buyer", "--climate-pledge")
    both("account", "open", "globex", "--name", "Globex", "--role", "buyer")
    both("account", "update", "globex", "--climate-pledge", "--scope-targets", "1,2,3")
    both("reserve", "--buyer", "acme", "--quantity", "30", "--batch", LEAF,
         "--idempotency-key", "po-1")
    both("settle", "po-1")
    both("reserve", "--buyer", "globex", "--quantity", "3", "--source", "DAC",
         "--idempotency-key", "po-2")
    both("release", "po-2")
    both("expire")
    both("transfer", "--from", "acme", "--to", "globex", "--batch", LEAF, "--quantity", "5",
         "--idempotency-key", "t-1")
    both("retire", "--holder", "acme", "--batch", LEAF, "--quantity", "10", "--beneficiary",
         "Acme Corp", "--reason", "2025 claim", "--claim-period", "2025",
         "--idempotency-key", "ret-1")
    both("import", str(ops))
    first = both("checkpoint")
    both("retire", "--holder", "globex", "--batch", LEAF, "--quantity", "1", "--beneficiary",
         "Globex", "--reason", "claim", "--claim-period", "2026", "--idempotency-key", "ret-2")
    second = both("checkpoint")
    both("checkpoints")
    sizes = [str(c["tree_size"]) for c in (first, second) if isinstance(c, dict)]
    both("consistency", *sizes)
    for kind, ref in (("batch", LEAF), ("batch", DAC), ("reservation", "po-1"),
                      ("retirement", "ret-1"), ("account", "acme")):
        both("show", kind, ref)
    for args in (["balance", "acme"], ["balance"], ["supply"], ["supply", "--by", "source"],
                 ["retirements"], ["status"], ["project"], ["project", "--rebuild"]):
        both(*args)
    both("audit")
    both("reconcile", str(EXPORTS / "canonical.csv"))
    both("reconcile", str(EXPORTS / "bad_art_serial.csv"))
    both("proof", "ret-1", "-o", str(work / "proof.json"))
    both("proof", "ret-1", "--format", "tlog-proof")
    verifier = run("keys", "show")[1].strip()
    both("verify", str(work / "proof.json"), "--key", verifier)
    both("verify", str(work / "proof.json"), "--trust", str(work / "trust.json"))
    both("keys", "rotate")
    both("retire", "--holder", "acme", "--batch", LEAF, "--quantity", "1", "--beneficiary",
         "Acme", "--reason", "claim", "--claim-period", "2026", "--idempotency-key", "ret-3")
    # The failures: usage, not found, rule violated, verification failed, store unavailable.
    both("reserve", "--buyer", "acme", "--quantity", "0", "--batch", LEAF)
    both("reserve", "--bogus")
    both("show", "batch", "ART:missing")
    both("reserve", "--buyer", "acme", "--quantity", "999999999", "--batch", LEAF)
    both("mint", str(work / "ops.jsonl"))
    tampered = (work / "proof.json").read_bytes().replace(b'"quantity": 10', b'"quantity": 90')
    (work / "tampered.json").write_bytes(tampered)
    both("verify", str(work / "tampered.json"), "--key", verifier)
    both("show", "batch", LEAF, "--db", unreachable)
    both("balance", "acme", "--db", unreachable)
    return outputs


def scan(outputs: list[tuple[int, str, str]], files: list[Path], secrets: list[str],
         logged: str) -> list[str]:
    leaks = []
    texts = [out + err for _, out, err in outputs]
    texts += [p.read_text(errors="replace") for p in files if p.is_file()] + [logged]
    for text in texts:
        leaks += [f"{secret[:6]}… in {text[:120]!r}" for secret in secrets if secret in text]
    return leaks


def keep_before_rotation(args: tuple[str, ...], key: Path, kept: list[Path]) -> None:
    """A rotation replaces the private key file: keep the old key, to look for it too."""
    if args[:2] == ("keys", "rotate") and key.exists():
        kept.append(key.parent.with_name(f"old-key-{len(kept)}.pem"))
        kept[-1].write_bytes(key.read_bytes())
        kept[-1].chmod(0o600)


def postgres_url(pg_url: str, port: int = 5432) -> str:
    parts = urlsplit(pg_url)
    return parts._replace(netloc=f"postgres:{quote(SECRET, safe='')}@127.0.0.1:{port}").geturl()


@pytest.mark.postgres
def test_no_command_shows_a_private_key_or_the_database_password(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
    report: Callable[[str], None],
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("LEDGER_DB", postgres_url(pg_url))
    monkeypatch.setenv("LEDGER_KEY_DIR", str(tmp_path / "keys"))
    monkeypatch.setenv("LEDGER_PG_CONNECT_TIMEOUT", "1")

    key = tmp_path / "keys" / "operator.key"
    keys_seen: list[Path] = []

    def invoke(*args: str) -> tuple[int, str, str]:
        keep_before_rotation(args, key, keys_seen)
        capsys.readouterr()
        with pytest.raises(SystemExit) as exited:
            main(list(args))
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err, (args, captured.err)
        return int(exited.value.code or 0), captured.out, captured.err

    outputs = session(invoke, tmp_path, postgres_url(pg_url, port=1))
    codes = sorted({code for code, _, _ in outputs})
    assert codes == [0, 1, 2, 3, 4, 5]
    assert any("postgres:***@127.0.0.1:5432" in out for _, out, _ in outputs)  # shown redacted
    secrets = forbidden([key, *keys_seen], SECRET)
    written = [tmp_path / n for n in ("trust.json", "proof.json", "tampered.json")]
    assert scan(outputs, [*written, tmp_path / "keys" / "trust.json"], secrets,
                caplog.text) == []
    report(f"{len(outputs)} command runs scanned for {len(secrets)} secret spellings "
           f"({len(keys_seen) + 1} private keys, the password): no leak")


@pytest.mark.slow
@pytest.mark.postgres
def test_no_console_script_run_shows_a_private_key_or_the_database_password(
    pg_url: str, tmp_path: Path, report: Callable[[str], None]
) -> None:
    env = {**cli_env(postgres_url(pg_url), tmp_path / "keys"), "LEDGER_PG_CONNECT_TIMEOUT": "1"}
    key = tmp_path / "keys" / "operator.key"
    keys_seen: list[Path] = []

    def invoke(*args: str) -> tuple[int, str, str]:
        keep_before_rotation(args, key, keys_seen)
        done = subprocess.run([str(LEDGER), *args], env=env, capture_output=True, text=True,
                              timeout=120, check=False)
        assert "Traceback" not in done.stderr, (args, done.stderr)
        return done.returncode, done.stdout, done.stderr

    outputs = session(invoke, tmp_path, postgres_url(pg_url, port=1))
    secrets = forbidden([key, *keys_seen], SECRET)
    written = [tmp_path / n for n in ("trust.json", "proof.json", "tampered.json")]
    assert scan(outputs, [*written, tmp_path / "keys" / "trust.json"], secrets, "") == []
    report(f"{len(outputs)} console-script runs scanned: no leak")


# --- SQL --------------------------------------------------------------------------------------

SQL = re.compile(r"^\s*(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM|CREATE (TABLE|INDEX|"
                 r"UNIQUE INDEX)|DROP (TABLE|INDEX)|ALTER TABLE|WITH \w+ AS|LOCK TABLE|SET |"
                 r"BEGIN|COMMIT|TRUNCATE|PRAGMA)\b")
# Reviewed interpolations into SQL text: identifiers or placeholder lists built from constants,
# never from input. A new one fails the test until someone checks it and adds it here.
REVIEWED: dict[str, dict[str, str]] = {
    "projections/retirements.py": {
        "', '.join(COLUMNS)": "column names, a module constant",
        "condition": "where(): fixed clauses with ? placeholders; the values go as parameters",
        "key": "TOTALS[by]: a column name looked up in a module constant",
    },
    "projections/supply.py": {
        "keys": "GROUPS[by]: column names from a module constant (unknown `by` refused)",
        "sums": "SUM(column) for each column of the COUNTS constant",
        "order": "GROUPS[by]: an ORDER BY list from a module constant",
    },
    "projections/runner.py": {"table": "a projection's class-level `tables` constant"},
    "audit/tree.py": {
        "where": "`(level = ? AND idx >= ? AND idx <= ?)` repeated; the values go as parameters",
    },
    "store/events.py": {
        "table": "the library's events table, quoted, from its recorder's configuration",
        "marks": "one driver placeholder per id, joined; the ids go as parameters",
    },
    "store/key_guard.py": {
        "table": "the library's events table, quoted, from its recorder's configuration",
        "param": "the driver's placeholder, a constant per dialect",
        "position": "the column ordering the log, a constant per dialect",
    },
    "projections/merkle_log.py": {
        "BYTES": "a column type constant",
        "where": "`(level = ? AND idx = ?)` repeated; the values go as parameters",
    },
}


def sql_findings(root: Path) -> tuple[list[str], int]:
    """SQL text built from values: f-string interpolations not reviewed, ``%``, ``.format()``
    or ``+`` on SQL literals. Also how many reviewed interpolations were seen."""
    findings, reviewed = [], 0
    for path in sorted(root.rglob("*.py")):
        name = path.relative_to(root).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            where = f"ledger/{name}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.JoinedStr):
                text = "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
                if not SQL.match(text):
                    continue
                for part in node.values:
                    if isinstance(part, ast.FormattedValue):
                        shown = ast.unparse(part.value)
                        if shown in REVIEWED.get(name, {}):
                            reviewed += 1
                        else:
                            findings.append(f"{where}: {{{shown}}} interpolated into SQL")
            elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add) and any(
                isinstance(side, ast.Constant) and isinstance(side.value, str)
                and SQL.match(side.value) for side in (node.left, node.right)
            ) and not all(isinstance(side, ast.Constant) for side in (node.left, node.right)):
                findings.append(f"{where}: SQL built with {type(node.op).__name__}")
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                  and node.func.attr == "format" and isinstance(node.func.value, ast.Constant)
                  and isinstance(node.func.value.value, str)
                  and SQL.match(node.func.value.value)):
                findings.append(f"{where}: SQL built with str.format()")
    return findings, reviewed


def test_all_sql_in_the_ledger_is_parameterised(report: Callable[[str], None]) -> None:
    findings, reviewed = sql_findings(LEDGER_CODE)
    assert findings == []
    report(f"{reviewed} reviewed identifier interpolations, no value built into SQL")


def test_the_sql_check_catches_values_built_into_sql(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text(
        "def f(db, handle):\n"
        "    db.execute(f\"SELECT * FROM balances WHERE holder = '{handle}'\")\n"
        "    db.execute(\"DELETE FROM balances WHERE holder = '%s'\" % handle)\n"
        "    db.execute(\"UPDATE balances SET holder = '{}'\".format(handle))\n"
        "    db.execute(\"SELECT * FROM balances WHERE holder = '\" + handle + \"'\")\n"
        "    db.execute(\"SELECT * FROM balances WHERE holder = ?\", [handle])\n"
    )
    findings, _ = sql_findings(tmp_path)
    assert [f.split(": ", 1)[0] for f in findings] == [
        "ledger/bad.py:2", "ledger/bad.py:3", "ledger/bad.py:4", "ledger/bad.py:5"]
