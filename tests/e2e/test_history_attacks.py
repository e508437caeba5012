"""A hostile insider who can write the database, and nothing else, tries to rewrite history
through the real CLI, on SQLite and PostgreSQL: the operator's key refuses to sign it."""

from __future__ import annotations

from pathlib import Path

from ledger import ids
from ledger.settings import Settings
from tests.support import tamper
from tests.support.builders import EXAMPLES
from tests.support.cli import Result, Run

LEAF = "ART:ART102-2021-11"


def on(run: Run, settings: Settings) -> Run:
    """The CLI on this store and key directory."""

    def cli(*args: str | Path) -> Result:
        return run(*args, "--db", settings.location.url, "--key-dir", str(settings.keys.path))

    return cli


def retire(cli: Run, key: str) -> None:
    assert cli("retire", "--holder", "acme", "--batch", LEAF, "--quantity", "5",
               "--beneficiary", "Acme Corp", "--reason", "claim", "--claim-period", "2025",
               "--idempotency-key", key).code == 0


def signed_history(cli: Run, tmp_path: Path) -> tuple[int, int]:
    """Two retirements, each with its proof (each proof signs a checkpoint); the two sizes."""
    assert cli("init").code == 0
    assert cli("mint", EXAMPLES / "leaf-issuance.json").code == 0
    assert cli("account", "open", "acme", "--name", "Acme", "--role", "buyer",
               "--climate-pledge").code == 0
    assert cli("reserve", "--buyer", "acme", "--quantity", "40", "--batch", LEAF,
               "--idempotency-key", "po-1").code == 0
    assert cli("settle", "po-1").code == 0
    retire(cli, "ret-1")
    assert cli("proof", "ret-1", "-o", tmp_path / "ret-1.json").code == 0
    retire(cli, "ret-2")
    assert cli("proof", "ret-2", "-o", tmp_path / "ret-2.json").code == 0
    sizes = [c["tree_size"] for c in cli("checkpoints", "--json").json()]
    assert len(sizes) == 2
    return sizes[0], sizes[1]


def delete_newest_retirement(settings: Settings, cli: Run, newest_size: int) -> None:
    """The attack: the newest retirement's two events and the checkpoint that covers them go;
    the projections are rebuilt from what is left."""
    batch = ids.batch_id(LEAF)
    tamper.delete(settings, batch, tamper.last_version(settings, batch))
    tamper.delete(settings, ids.retirement_id("ret-2"), 1)
    tamper.delete_checkpoints(settings, newest_size)
    assert cli("project", "--rebuild").code == 0


def test_a_truncated_log_is_never_signed_and_no_size_is_signed_twice(
    run: Run, settings: Settings, tmp_path: Path
) -> None:
    cli = on(run, settings)
    _, newest = signed_history(cli, tmp_path)
    delete_newest_retirement(settings, cli, newest)

    shorter = cli("checkpoint", "--json")
    assert shorter.code == 5, shorter.out
    error = shorter.json()["error"]
    assert error["code"] == "log_rolled_back"
    assert f"size {newest}" in error["message"] and f"size {newest - 2}" in error["message"]

    retire(cli, "ret-3")  # the log is back at the signed size, with other events in it
    for command in (("checkpoint",), ("proof", "ret-3")):
        refused = cli(*command, "--json")
        assert (refused.code, refused.json()["error"]["code"]) == (5, "log_rolled_back"), command
    sizes = [c["tree_size"] for c in cli("checkpoints", "--json").json()]
    assert newest not in sizes  # the operator's key signed no second head of that size


def test_an_audit_against_held_checkpoints_catches_the_truncated_log(
    run: Run, settings: Settings, tmp_path: Path
) -> None:
    cli = on(run, settings)
    _, newest = signed_history(cli, tmp_path)
    delete_newest_retirement(settings, cli, newest)
    operator = cli("audit", "--jobs", "1", "--json")  # the key directory remembers
    assert operator.code == 5
    assert {p["kind"] for p in operator.json()["problems"]} == {"log_rolled_back"}

    # An auditor elsewhere, with the trust list only, and the buyers' proof files.
    auditor = Settings(settings.location.url, str(tmp_path / "auditor"))
    (tmp_path / "auditor").mkdir(mode=0o700)
    assert cli("keys", "trust", "--export", tmp_path / "auditor" / "trust.json").code == 0
    elsewhere = on(run, auditor)
    assert elsewhere("audit", "--jobs", "1", "--checkpoint", tmp_path / "ret-1.json").code == 0
    caught = elsewhere("audit", "--jobs", "1", "--checkpoint", tmp_path / "ret-1.json",
                       "--checkpoint", tmp_path / "ret-2.json")
    assert caught.code == 5
    assert "error[audit_failed]" in caught.err and "the first: log_rolled_back" in caught.err
    assert str(tmp_path / "ret-2.json") in caught.err
    assert "went back in time" in caught.out


def test_an_audit_of_a_projection_behind_the_log_fails_unless_lag_is_allowed(
    run: Run, settings: Settings, tmp_path: Path
) -> None:
    cli = on(run, settings)
    signed_history(cli, tmp_path)
    assert cli("project").code == 0
    assert cli("audit", "--jobs", "1").code == 0
    retire(cli, "unprojected")
    behind = cli("audit", "--jobs", "1", "--json")
    assert behind.code == 5
    assert {p["kind"] for p in behind.json()["problems"]} == {"projection_behind"}
    allowed = cli("audit", "--jobs", "1", "--allow-lag")
    assert allowed.code == 0 and "not compared" in allowed.out
    assert "events after the last signed checkpoint" in allowed.out


def test_init_with_another_key_directory_creates_no_key_and_a_stray_key_writes_nothing(
    run: Run, settings: Settings, tmp_path: Path
) -> None:
    cli = on(run, settings)
    signed_history(cli, tmp_path)
    head = cli("status", "--json").json()["projections"][0]["head"]
    other = Settings(settings.location.url, str(tmp_path / "other-keys"))
    stray = on(run, other)
    refused = stray("init", "--json")
    assert (refused.code, refused.json()["error"]["code"]) == (3, "key_not_found")
    assert not other.keys.path.exists()
    assert stray("keys", "init").code == 0  # a key of no ledger, made on purpose
    for command in (("account", "open", "mallory", "--name", "M", "--role", "buyer",
                     "--climate-pledge"), ("retire", "--holder", "acme", "--batch", LEAF,
                     "--quantity", "1", "--beneficiary", "M", "--reason", "r",
                     "--claim-period", "2025"), ("checkpoint",)):
        written = stray(*command, "--json")
        assert (written.code, written.json()["error"]["code"]) == (5, "unknown_key"), command
    assert cli("status", "--json").json()["projections"][0]["head"] == head
