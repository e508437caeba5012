"""`ledger backup` and `ledger restore` on SQLite and PostgreSQL: a copy taken while a writer
writes restores to a store that audits clean and proves what it held; a restore from an older
copy says what it lost and the operator's key refuses to sign it; bad input writes nothing."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import psycopg
import pytest

from ledger.settings import Settings
from ledger.usecases import holdings
from ledger.usecases.unit import UnitOfWork
from tests.e2e.test_history_attacks import LEAF, on, retire, signed_history
from tests.support.builders import EXAMPLES
from tests.support.cli import Run


def lose(settings: Settings) -> None:
    """The disaster: the store is gone (the key directory survives)."""
    location = settings.location
    if location.is_postgres:
        schema = location.env()["POSTGRES_SCHEMA"]
        with psycopg.connect(location.url.split("?")[0], autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    else:
        location.sqlite_path.rename(location.sqlite_path.with_suffix(".lost"))


def test_a_copy_taken_while_a_writer_writes_restores_to_a_clean_ledger(
    run: Run, settings: Settings, tmp_path: Path
) -> None:
    cli = on(run, settings)
    signed_history(cli, tmp_path)
    stop, written = threading.Event(), []

    def writer() -> None:
        ledger = UnitOfWork(settings)
        try:
            while not stop.is_set() and len(written) < 10:
                written.append(holdings.retire(
                    ledger, holder="acme", batch=LEAF, quantity=1, beneficiary="Acme",
                    reason="claim", claim_period="2025", idempotency_key=f"w-{len(written)}"))
        finally:
            ledger.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        made = cli("backup", tmp_path / "copy", "--json")
    finally:
        stop.set()
        thread.join(timeout=60)
    assert made.code == 0, made.out
    copied = made.json()
    assert copied["events"] >= 14 and copied["bytes"] > 0
    assert oct((tmp_path / "copy").stat().st_mode & 0o777) == "0o600"

    lose(settings)
    restored = cli("restore", tmp_path / "copy", "--since", tmp_path / "ret-2.json", "--json")
    # The key remembers what it signed; the copy holds at least that (no checkpoint after it).
    assert restored.code == 0, restored.out
    assert restored.json()["events"] >= copied["events"]
    assert {h["status"] for h in restored.json()["held"]} == {"extended"}
    assert cli("project").code == 0
    audit = cli("audit", "--jobs", "1", "--checkpoint", tmp_path / "ret-2.json")
    assert audit.code == 0, audit.out + audit.err
    vkey = cli("keys", "show").out.strip()
    for proof in ("ret-1", "ret-2"):
        again = tmp_path / f"{proof}-again.json"
        assert cli("proof", proof, "-o", again).code == 0
        assert run("verify", again, "--key", vkey).code == 0
        assert run("verify", tmp_path / f"{proof}.json", "--key", vkey).code == 0


def test_a_restore_from_an_older_copy_names_what_it_lost_and_is_never_signed(
    run: Run, settings: Settings, tmp_path: Path
) -> None:
    cli = on(run, settings)
    _, newest = signed_history(cli, tmp_path)
    assert cli("backup", tmp_path / "copy").code == 0  # holds both retirements
    retire(cli, "ret-3")
    assert cli("proof", "ret-3", "-o", tmp_path / "ret-3.json").code == 0
    after = cli("checkpoints", "--json").json()[-1]["tree_size"]

    lose(settings)
    restored = cli("restore", tmp_path / "copy", "--since", tmp_path / "ret-3.json", "--json")
    assert restored.code == 5, restored.out
    body = restored.json()
    assert body["error"]["code"] == "log_rolled_back"
    assert f"{after - newest} events lost" in body["error"]["message"]
    assert [h["status"] for h in body["held"]] == ["lost", "lost"]  # the proof, the key
    assert body["tree_size"] == newest
    text = cli("restore", tmp_path / "copy")  # the store is in place: not restored again
    assert text.code == 4 and "expected an empty store" in text.err

    refused = cli("checkpoint", "--json")
    assert (refused.code, refused.json()["error"]["code"]) == (5, "log_rolled_back")


def test_restoring_into_a_store_that_holds_events_is_refused_and_writes_nothing(
    run: Run, settings: Settings, tmp_path: Path
) -> None:
    cli = on(run, settings)
    signed_history(cli, tmp_path)
    assert cli("backup", tmp_path / "copy").code == 0
    before = cli("status", "--json").json()
    refused = cli("restore", tmp_path / "copy", "--json")
    assert (refused.code, refused.json()["error"]["code"]) == (4, "not_a_backup")
    assert cli("status", "--json").json() == before


@pytest.mark.parametrize(("source", "code"), [
    ("missing", "file_not_found"),
    ("directory", "file_not_found"),
    ("text", "not_a_backup"),
    ("other-sqlite", "not_a_backup"),
    ("damaged-sqlite", "not_a_backup"),
])
def test_a_source_that_is_no_backup_is_one_clean_error(
    run: Run, settings: Settings, tmp_path: Path, source: str, code: str
) -> None:
    cli = on(run, settings)
    (tmp_path / "directory").mkdir()
    (tmp_path / "text").write_text("not a backup\n")
    import sqlite3

    sqlite3.connect(tmp_path / "other-sqlite").execute("CREATE TABLE t (x)").connection.close()
    (tmp_path / "damaged-sqlite").write_bytes(b"SQLite format 3\x00" + b"garbage" * 10)
    lose_nothing = cli("restore", tmp_path / source, "--json")
    assert "Traceback" not in lose_nothing.err
    assert lose_nothing.json()["error"]["code"] == code, lose_nothing.out


def test_backup_refuses_to_replace_a_file_unless_forced(
    run: Run, settings: Settings, tmp_path: Path
) -> None:
    cli = on(run, settings)
    signed_history(cli, tmp_path)
    (tmp_path / "copy").write_text("precious")
    refused = cli("backup", tmp_path / "copy", "--json")
    assert (refused.code, refused.json()["error"]["code"]) == (2, "invalid_argument")
    assert (tmp_path / "copy").read_text() == "precious"
    assert cli("backup", tmp_path / "copy", "--force").code == 0
    assert shutil.disk_usage(tmp_path) and (tmp_path / "copy").stat().st_size > 8


def test_a_store_whose_projections_were_never_built_is_backed_up_too(
    run: Run, settings: Settings, tmp_path: Path
) -> None:
    cli = on(run, settings)
    assert cli("init").code == 0
    assert cli("mint", EXAMPLES / "leaf-issuance.json").code == 0
    made = cli("backup", tmp_path / "copy", "--json")
    assert made.code == 0, made.out
    assert made.json()["events"] > 0 and made.json()["tree_size"] == 0  # no log built yet


def test_backup_makes_the_directories_it_is_given_and_refuses_a_place_it_cannot_write(
    run: Run, settings: Settings, tmp_path: Path
) -> None:
    cli = on(run, settings)
    assert cli("init").code == 0
    assert cli("backup", tmp_path / "backups" / "daily" / "copy").code == 0
    (tmp_path / "a-file").write_text("not a directory")
    refused = cli("backup", tmp_path / "a-file" / "copy", "--json")
    assert "Traceback" not in refused.err
    assert (refused.code, refused.json()["error"]["code"]) == (2, "invalid_argument")
