"""The CLI end to end: one happy path per command, and every exit code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ledger import ids
from ledger.settings import Settings
from tests.support import tamper
from tests.support.builders import EXAMPLES

LEAF = "ART:ART102-2021-11"
DAC = "Puro:TXDAC01-2026-0007"





def test_init_creates_the_store_and_a_private_key_readable_only_by_its_owner(
    run, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    result = run("init", "--json")
    assert result.code == 0
    body = result.json()
    assert body["key_created"] is True
    key_file = tmp_path / "ledger.db.keys" / "operator.key"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert "PRIVATE" not in result.out
    again = run("init", "--json")
    assert again.code == 0 and again.json()["key_created"] is False


def test_mint_prints_the_documented_json_shape(run) -> None:  # type: ignore[no-untyped-def]
    run("init")
    result = run("mint", str(EXAMPLES / "leaf-issuance.json"), "--json")
    assert result.code == 0
    body = result.json()
    assert {"batch", "quantity", "serial_first", "serial_last"} <= body.keys()
    assert (body["batch"], body["quantity"]) == (LEAF, 250000)


def test_a_full_story_through_the_cli(ready) -> None:  # type: ignore[no-untyped-def]
    run = ready
    reserved = run("reserve", "--buyer", "acme", "--quantity", "30", "--batch", LEAF,
                   "--expires-in", "2h", "--idempotency-key", "po-1", "--json").json()
    assert {"reservation", "quantity", "blocks", "expires_at"} <= reserved.keys()
    assert reserved["blocks"] == [{"batch": LEAF, "first": 1, "last": 30}]
    assert run("settle", "po-1").code == 0
    assert run("show", "reservation", reserved["reservation"], "--json").json()["status"] == \
        "settled"
    run("account", "open", "globex", "--name", "Globex", "--role", "buyer",
        "--scope-targets", "1,2,3")
    moved = run("transfer", "--from", "acme", "--to", "globex", "--batch", LEAF,
                "--quantity", "5", "--json").json()
    assert moved["blocks"] == [{"batch": LEAF, "first": 1, "last": 5}]
    retired = run("retire", "--holder", "acme", "--batch", LEAF, "--quantity", "10",
                  "--beneficiary", "Acme Corp", "--reason", "2025 claim", "--claim-period",
                  "2025", "--json").json()
    assert {"retirement", "quantity", "blocks"} <= retired.keys()
    assert retired["blocks"] == [{"batch": LEAF, "first": 6, "last": 15}]
    assert run("show", "retirement", retired["retirement"]).code == 0
    balance = run("balance", "acme", "--json").json()
    assert balance == {"holder": "acme", "batches": [
        {"batch": LEAF, "available": 15, "reserved": 0, "retired": 10, "cancelled": 0,
         "unit": "t"}]}
    batch = run("show", "batch", LEAF, "--json").json()
    assert (batch["held"], batch["retired"]) == (20, 10)
    assert "minted 250000 = available 249970" in run("show", "batch", LEAF).out


def test_release_expire_and_eligibility_updates(ready) -> None:  # type: ignore[no-untyped-def]
    run = ready
    res = run("reserve", "--buyer", "acme", "--quantity", "3", "--source", "DAC", "--json")
    assert run("release", res.json()["reservation"]).code == 0
    assert run("expire", "--json").json() == []
    run("account", "open", "initech", "--name", "Initech", "--role", "buyer")
    assert run("reserve", "--buyer", "initech", "--quantity", "1", "--batch", DAC).code == 4
    assert run("account", "update", "initech", "--climate-pledge").code == 0
    assert run("reserve", "--buyer", "initech", "--quantity", "1", "--batch", DAC).code == 0
    assert "eligible" in run("show", "account", "initech").out


def test_keys_show_rotate_and_trust_export(ready, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run = ready
    before = run("keys", "show").out.strip()
    assert before.startswith("carbon-ledger+")
    rotated = run("keys", "rotate", "--json").json()
    assert rotated["verifier_key"] != before
    assert run("keys", "show").out.strip() == rotated["verifier_key"]
    assert run("show", "batch", LEAF).code == 0
    export = tmp_path / "trust.json"
    assert run("keys", "trust", "--export", str(export)).code == 0
    assert len(json.loads(export.read_text())["keys"]) == 2


def test_exit_code_0_1_2_3_4_5(ready, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run = ready
    assert run("show", "batch", LEAF).code == 0
    unreachable = run("show", "batch", LEAF, "--db",
                      "postgresql://postgres:s3cret@127.0.0.1:1/test", "--key-dir",
                      str(tmp_path / "ledger.db.keys"), "--json")
    assert unreachable.code == 1
    assert unreachable.json()["error"]["code"] == "store_unavailable"
    assert "s3cret" not in unreachable.out + unreachable.err
    assert run("reserve", "--buyer", "acme", "--quantity", "0", "--batch", LEAF).code == 2
    assert run("reserve", "--bogus").code == 2
    assert run("show", "batch", "ART:missing").code == 3
    too_many = run("reserve", "--buyer", "acme", "--quantity", "999999", "--batch", LEAF,
                   "--json")
    assert too_many.code == 4
    assert too_many.json()["error"]["code"] == "insufficient_credits"
    settings = Settings(db=str(tmp_path / "ledger.db"))
    tamper.flip_byte(settings, ids.batch_id(LEAF), 1, 30)
    broken = run("show", "batch", LEAF)
    assert broken.code == 5
    assert broken.err.startswith("error[signature_invalid]")


def test_bad_input_gets_one_line_and_writes_nothing(ready, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run = ready
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**json.loads((EXAMPLES / "dac-issuance.json").read_text()),
                               "issuance_id": "X-1", "quantity": 3}))
    result = run("mint", str(bad))
    assert result.code == 4
    assert result.err.count("\n") == 1 and "Traceback" not in result.err
    assert "error[invalid_document]" in result.err and "quantity" in result.err
    assert run("show", "batch", "Puro:X-1").code == 3
    assert run("mint", str(tmp_path / "missing.json")).code == 3
    assert run("mint", str(EXAMPLES / "leaf-issuance.json")).code == 4


def test_commands_on_a_missing_store_say_how_to_start(run) -> None:  # type: ignore[no-untyped-def]
    result = run("balance", "acme")
    assert result.code == 3
    assert "ledger init" in result.err


def test_every_command_has_help_and_json() -> None:
    from click import Context, Group

    from ledger.cli.main import COMMANDS, cli

    def walk(group: Group, prefix: str = "") -> list[tuple[str, Any]]:
        found = []
        context = Context(group)
        for name in group.list_commands(context):
            command = group.get_command(context, name)
            if isinstance(command, Group):
                found += walk(command, f"{prefix}{name} ")
            else:
                found.append((prefix + name, command))
        return found

    for name in COMMANDS:  # `ledger --help` lists each command's own first sentence
        command = cli.get_command(Context(cli), name)
        assert command is not None and command.help is not None, name
        assert " ".join(command.help.split()).startswith(COMMANDS[name][1]), name
    for name, command in walk(cli):
        assert command.help, f"`ledger {name}` has no help text"
        if name not in ("demo", "serve"):  # a story and a server: nothing to print as JSON
            assert "--json" in [o for p in command.params for o in p.opts], name


def test_the_installed_console_script_runs_the_demo(tmp_path: Path) -> None:
    ledger = Path(sys.executable).with_name("ledger")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    result = subprocess.run([str(ledger), "demo"], capture_output=True, text=True,
                            cwd=tmp_path, env=env, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "refused (fabrikam): error[buyer_not_eligible]" in result.stdout
    assert ("minted 250000 = available 235000 + reserved 0 + held 2500 + retired 2500 + "
            "cancelled 10000") in result.stdout
    assert list(tmp_path.iterdir()) == []


@pytest.mark.postgres
def test_the_cli_on_postgresql_from_init_to_retirement(run, pg_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    keys = ["--db", pg_url, "--key-dir", str(tmp_path / "pg-keys")]
    assert run("balance", "acme", *keys).code == 3
    assert run("init", *keys).code == 0
    assert run("mint", str(EXAMPLES / "dac-issuance.json"), *keys).code == 0
    assert run("account", "open", "acme", "--name", "Acme", "--role", "buyer",
               "--climate-pledge", *keys).code == 0
    reservation = run("reserve", "--buyer", "acme", "--quantity", "7", "--source", "DAC",
                      "--json", *keys).json()["reservation"]
    assert run("settle", reservation, *keys).code == 0
    retired = run("retire", "--holder", "acme", "--batch", DAC, "--quantity", "7",
                  "--beneficiary", "Acme", "--reason", "claim", "--claim-period", "2026",
                  "--json", *keys)
    assert retired.code == 0 and retired.json()["quantity"] == 7


def test_status_counts_the_saves_of_every_write_command(ready) -> None:  # type: ignore[no-untyped-def]
    run = ready
    before = run("status", "--json").json()["saves"]
    assert run("reserve", "--buyer", "acme", "--quantity", "3", "--batch", LEAF).code == 0
    assert run("balance", "acme").code == 0  # reads count nothing
    after = run("status", "--json").json()["saves"]
    today = after[0]
    assert set(today) == {"day", "commands", "attempts", "conflicts", "gave_up"}
    earlier = before[0] if before and before[0]["day"] == today["day"] else \
        {"commands": 0, "attempts": 0, "conflicts": 0, "gave_up": 0}
    assert today["commands"] == earlier["commands"] + 1
    assert today["attempts"] == earlier["attempts"] + 1
    assert (today["conflicts"], today["gave_up"]) == (earlier["conflicts"], 0)
    shown = run("status").out
    assert "saves, last 7 days (UTC):" in shown and "conflicts retried" in shown
