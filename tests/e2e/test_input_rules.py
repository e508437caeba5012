"""Issue 16's hostile-input findings, each through the real CLI on SQLite and PostgreSQL: one
clean line (or one JSON error object with --json), a stable code, no traceback, nothing written;
and text from outside never reaches the terminal as control or bidirectional characters."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ledger.settings import Settings
from tests.application.test_reconcile_store import art_retirements
from tests.e2e.test_history_attacks import LEAF, on
from tests.support.builders import EXAMPLES, example_data
from tests.support.cli import Result, Run

ESC = "\x1b]0;owned\x07\x1b[2J"  # OSC: set the title; CSI: clear the screen


@pytest.fixture
def cli(run: Run, settings: Settings) -> Run:
    """A ledger with the LEAF example, an eligible buyer holding 10 credits."""
    cli = on(run, settings)
    assert cli("init").code == 0
    assert cli("mint", EXAMPLES / "leaf-issuance.json").code == 0
    assert cli("account", "open", "acme", "--name", "Acme", "--role", "buyer",
               "--climate-pledge").code == 0
    assert cli("reserve", "--buyer", "acme", "--quantity", "10", "--batch", LEAF,
               "--idempotency-key", "po-1").code == 0
    assert cli("settle", "po-1").code == 0
    return cli


def head(cli: Run) -> int:
    return int(cli("status", "--json").json()["projections"][0]["head"])


def refused(cli: Run, *args: str | Path) -> dict[str, Any]:
    """Run the command twice, as text and as JSON: both refuse cleanly and write nothing."""
    before = head(cli)
    text: Result = cli(*args)
    assert text.code in (2, 3, 4), text
    assert "Traceback" not in text.err and text.out == ""
    [line] = text.err.splitlines()
    assert line.startswith("error[") and "\x1b" not in line and "\x00" not in line
    as_json = cli(*args, "--json")
    assert as_json.code == text.code and "Traceback" not in as_json.err
    error: dict[str, Any] = as_json.json()["error"]
    assert head(cli) == before
    return error


RETIRE = ("retire", "--holder", "acme", "--batch", LEAF, "--quantity", "1", "--reason",
          "claim", "--claim-period", "2025")


@pytest.mark.parametrize("args", [
    ("reserve", "--buyer", "acme", "--batch", LEAF, "--quantity", "\u0661\u0660"),  # Arabic 10
    ("reserve", "--buyer", "acme", "--batch", LEAF, "--quantity", "1_000"),
    ("reserve", "--buyer", "acme", "--batch", LEAF, "--quantity", "+5"),
    ("reserve", "--buyer", "acme", "--batch", LEAF, "--quantity", "5", "--expires-in", "999999w"),
    ("reserve", "--buyer", "acme", "--batch", LEAF, "--quantity", "5", "--expires-in", "\u0667d"),
    ("reserve", "--buyer", "acme", "--batch", LEAF, "--quantity", "5", "--expires-in", "0s"),
    ("reserve", "--buyer", "acme", "--batch", LEAF, "--quantity", "5", "--idempotency-key", ""),
    ("account", "open", "bob", "--role", "buyer", "--name", ""),
    ("account", "open", "bob", "--role", "buyer", "--name", "   "),
    ("account", "open", "bob", "--role", "buyer", "--name", f"Bob{ESC}"),
    ("account", "open", "bob", "--role", "buyer", "--name", "B" * 201),
    ("account", "open", "bob", "--role", "buyer", "--name", "Bob", "--scope-targets",
     "\u0661,\u0662"),
    (*RETIRE, "--beneficiary", "Acme\x00Corp"),
    (*RETIRE, "--beneficiary", "Acme \udcff"),  # not UTF-8 on the command line
    (*RETIRE, "--beneficiary", "Acme \u202eproC"),  # right-to-left override
    (*RETIRE, "--beneficiary", "Acme\u2028Corp"),  # line separator
    ("retire", "--holder", "acme", "--batch", LEAF, "--quantity", "1", "--beneficiary", "Acme",
     "--reason", "claim", "--claim-period", "20\u0662\u0665"),
    ("retirements", "--year", "99999999999999999999"),
    ("project", "--follow", "--interval", "nan"),
    ("project", "--follow", "--interval", "-1"),
    ("project", "--follow", "--interval", "inf"),
    ("init", "--origin", ""),
    ("init", "--origin", f"log{ESC}"),
    ("init", "--origin", " log.example/x"),
], ids=lambda args: " ".join(args)[:60].encode("ascii", "backslashreplace").decode())
def test_each_hostile_value_is_one_clean_error_and_writes_nothing(
    cli: Run, args: tuple[str, ...]
) -> None:
    error = refused(cli, *args)
    assert error["code"] == "invalid_argument", error


def test_a_directory_where_a_file_is_expected_is_not_found(cli: Run, tmp_path: Path) -> None:
    assert refused(cli, "import", tmp_path)["code"] == "file_not_found"


def lines(tmp_path: Path, *ops: str) -> Path:
    path = tmp_path / "ops.jsonl"
    path.write_text("".join(f"{op}\n" for op in ops), encoding="utf-8")
    return path


@pytest.mark.parametrize("op", [
    '{"op": "open_account", "handle": "bob", "name": "Bob", "role": "buyer", '
    '"climate_pledge": "yes"}',
    '{"op": "open_account", "handle": "bob", "name": "Bob", "name": "Eve", "role": "buyer"}',
    '{"op": "reserve", "buyer": "acme", "quantity": "5", "batch": "' + LEAF + '"}',
    '{"op": "retire", "holder": "acme", "batch": "' + LEAF + '", "quantity": 1, '
    '"beneficiary": "Acme\\u0000Corp", "reason": "claim", "claim_period": "2025"}',
    '{"op": "retire", "holder": "acme", "batch": "' + LEAF + '", "quantity": 1, '
    '"beneficiary": "Acme\\ud800", "reason": "claim", "claim_period": "2025"}',
    '{"op": "reserve", "buyer": "acme", "quantity": NaN, "batch": "' + LEAF + '"}',
])
def test_an_import_line_breaking_a_rule_is_refused_and_nothing_is_written(
    cli: Run, tmp_path: Path, op: str
) -> None:
    error = refused(cli, "import", lines(tmp_path, op))
    assert error["code"] in ("invalid_document", "invalid_argument"), error
    assert "line 1" in error["message"] or error["code"] == "invalid_argument"


def document(tmp_path: Path, **changes: Any) -> Path:
    data = example_data("LEAF") | {"issuance_id": "ART102-2021-99"} | changes
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize("changes", [
    {"vintage": 2030},  # after the issuance
    {"buffer_quantity": 250001},  # more than the issuance
    {"issued_on": "0001-01-01"},
    {"issued_on": "2999-01-01"},
    {"serial_first": 1, "serial_last": 9007199254740991, "quantity": 9007199254740991,
     "serial_native": "ART-CR-102-2021-99-1 to 9007199254740991"},
    {"methodology": f"TREES{ESC}"},
])
def test_an_implausible_issuance_document_is_refused(
    cli: Run, tmp_path: Path, changes: dict[str, Any]
) -> None:
    assert refused(cli, "mint", document(tmp_path, **changes))["code"] == "invalid_document"


def test_duplicate_keys_in_a_document_are_refused(cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "doc.json"
    text = json.dumps(example_data("LEAF"))
    path.write_text(text[:-1] + ', "quantity": 1}', encoding="utf-8")
    error = refused(cli, "mint", path)
    assert "duplicate key 'quantity'" in error["message"]


@pytest.mark.parametrize("spelling", [
    "ART-CR-0102-2021-11-1 to 250000",
    "ART-CR-102-2021-011-1 to 250000",
    "ART-CR-00102-2021-0011-1 to 250000",
])
def test_the_same_serials_spelt_another_way_are_a_serial_overlap(
    cli: Run, tmp_path: Path, spelling: str
) -> None:
    error = refused(cli, "mint", document(tmp_path, serial_native=spelling))
    assert error["code"] == "serial_overlap", error


def test_a_puro_issuance_in_upper_case_is_the_same_issuance(cli: Run, tmp_path: Path) -> None:
    assert cli("mint", EXAMPLES / "dac-issuance.json").code == 0
    data = example_data("DAC")
    scope, _, rest = data["serial_native"].rpartition("_")
    upper = scope[:-36] + scope[-36:].upper()
    path = tmp_path / "dac.json"
    path.write_text(json.dumps(data | {"issuance_id": "OTHER-1",
                                       "serial_native": f"{upper}_{rest}"}), encoding="utf-8")
    assert refused(cli, "mint", path)["code"] == "serial_overlap"


def test_registry_text_reaches_no_terminal_unescaped(cli: Run, tmp_path: Path) -> None:
    """A registry export carries what the registry holds: the report shows it escaped."""
    export = art_retirements(tmp_path / "r.csv", ("ART-CR-102-2021-11-1 to 10", f"Acme{ESC}"))
    for args in (("reconcile", export), ("reconcile", export, "--json")):
        result = cli(*args)
        assert result.code == 5
        assert "\x1b" not in result.out + result.err and "\x07" not in result.out + result.err
    assert "Acme\\x1b]0;owned\\x07" in cli("reconcile", export).out
    assert json.loads(cli("reconcile", export, "--json").out)["differences"][0]["registry"][
        "beneficiary"] == f"Acme{ESC}"  # the JSON still carries the exact text


def test_a_usage_error_shows_what_was_typed_escaped(run: Run) -> None:
    result = run(f"nosuch{ESC}")
    assert result.code == 2 and "\x1b" not in result.err and "nosuch\\x1b" in result.err


def test_an_import_opening_an_existing_account_with_other_details_is_refused(
    cli: Run, tmp_path: Path
) -> None:
    same = '{"op": "open_account", "handle": "acme", "name": "Acme", "role": "buyer", ' \
        '"climate_pledge": true}'
    assert cli("import", lines(tmp_path, same)).code == 0  # run again: nothing changes
    other = same.replace("true", "false")
    error = refused(cli, "import", lines(tmp_path, other))
    assert error["code"] == "account_exists" and "other details" in error["message"]


def test_a_write_says_how_many_conflicts_its_save_retried(
    cli: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer got in first twice: the third attempt saves, and the output says so."""
    from eventsourcing.persistence import RecordConflictError

    from ledger.store.events import EventStore

    record, lost = EventStore.record, [2]

    def contended(self: EventStore, changed: list[Any]) -> None:
        if lost[0]:
            lost[0] -= 1
            raise RecordConflictError("another writer saved first")
        record(self, changed)

    monkeypatch.setattr(EventStore, "record", contended)
    done = cli(*RETIRE, "--beneficiary", "Acme", "--json")
    assert done.code == 0, done
    assert done.json()["saves"] == {"attempts": 3, "conflicts": 2, "gave_up": 0}
    lost[0] = 1
    text = cli(*RETIRE, "--beneficiary", "Acme")
    assert "saved after 1 conflicts with other writers" in text.out


@pytest.mark.parametrize(("content", "code"), [
    ("[" * 100_000, "invalid_document"),  # nested too deeply for the JSON parser
    ("x" * (2 * 1024 * 1024), "invalid_document"),  # larger than any trust list
    (None, "key_not_found"),  # a directory
])
def test_a_trust_list_that_cannot_be_one_is_one_clean_error(
    run: Run, tmp_path: Path, content: str | None, code: str
) -> None:
    trust = tmp_path / "trust.json"
    if content is None:
        trust.mkdir(mode=0o755)
    else:
        trust.write_text(content)
        trust.chmod(0o644)
    (tmp_path / "proof.json").write_text("{}")
    result = run("verify", tmp_path / "proof.json", "--trust", trust, "--json")
    assert "Traceback" not in result.err
    assert result.json()["error"]["code"] == code, result.out
