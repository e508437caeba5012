"""Past one machine: a PostgreSQL primary takes the writes, a streaming hot standby serves the
reads, and after a failover the promoted standby takes the writes with the log intact.

Each test gets a primary and a standby of its own (``tests.support.standby``); the history is
written on the primary through the real CLI, and read, refused or continued on the standby.
The standby's key directory holds the exported trust list only, as a reader's host would.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from ledger.settings import Settings
from ledger.transparency import tiles
from ledger.usecases.unit import UnitOfWork
from ledger.web.app import create_app
from tests.support.builders import EXAMPLES
from tests.support.cli import Result, Run, runner
from tests.support.standby import StandbyPair, standby  # noqa: F401 - the fixture

pytestmark = pytest.mark.postgres

LEAF = "ART:ART102-2021-11"
DAC = "Puro:TXDAC01-2026-0007"
EXPORTS = Path(__file__).resolve().parents[1] / "fixtures" / "exports"
Cli = Callable[..., Result]


@pytest.fixture
def run(tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> Run:
    """The `ledger` command in-process, in a fresh directory; the operator's key directory is
    ``keys/`` in it."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LEDGER_DB", raising=False)
    monkeypatch.setenv("LEDGER_KEY_DIR", str(tmp_path / "keys"))
    return runner(capsys)


def on(run: Run, url: str, key_dir: Path | None = None) -> Cli:
    """The command against one server (with another key directory than the operator's)."""
    chosen = ("--key-dir", key_dir) if key_dir else ()
    return lambda *args: run(*args, "--db", url, *chosen)


def reader_keys(run: Run, tmp_path: Path) -> Path:
    """A reader's key directory: the operator's exported trust list, no private key."""
    (tmp_path / "reader-keys").mkdir()
    ok(run("keys", "trust", "--export", tmp_path / "reader-keys" / "trust.json"))
    return tmp_path / "reader-keys"


def ok(result: Result) -> Result:
    assert result.code == 0, result.err
    return result


def retire(cli: Cli, holder: str, batch: str, quantity: int, key: str) -> Result:
    return ok(cli("retire", "--holder", holder, "--batch", batch, "--quantity", str(quantity),
                  "--beneficiary", f"{holder.title()} Corp", "--reason", "2025 Scope 3 claim",
                  "--claim-period", "2025", "--idempotency-key", key))


def build_history(primary: Cli) -> None:
    """Both example batches minted, two buyers, credits reserved, settled, transferred and
    retired, with two signed checkpoints; the projections caught up."""
    ok(primary("init"))
    ok(primary("mint", EXAMPLES / "leaf-issuance.json"))
    ok(primary("mint", EXAMPLES / "dac-issuance.json"))
    ok(primary("account", "open", "acme", "--name", "Acme Corp", "--role", "buyer",
               "--climate-pledge"))
    ok(primary("account", "open", "globex", "--name", "Globex", "--role", "buyer",
               "--scope-targets", "1,2,3"))
    for key, buyer, batch in (("po-1", "acme", LEAF), ("po-2", "globex", DAC)):
        ok(primary("reserve", "--buyer", buyer, "--quantity", "500", "--batch", batch,
                   "--idempotency-key", key))
        ok(primary("settle", key))
    ok(primary("transfer", "--from", "acme", "--to", "globex", "--batch", LEAF,
               "--quantity", "100"))
    retire(primary, "acme", LEAF, 250, "ret-1")
    ok(primary("checkpoint"))
    retire(primary, "globex", DAC, 40, "ret-2")
    ok(primary("project"))
    ok(primary("checkpoint"))


def key_directory(path: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(path.iterdir())}


def head(cli: Cli) -> int:
    status: dict[str, list[dict[str, int]]] = ok(cli("status", "--json")).json()
    return status["projections"][0]["head"]


def test_a_hot_standby_serves_every_read_and_proofs_byte_identical_to_the_primarys(
    run: Run, standby: StandbyPair, tmp_path: Path,  # noqa: F811
) -> None:
    primary = on(run, standby.primary_url)
    build_history(primary)
    replica = on(run, standby.standby_url, reader_keys(run, tmp_path))
    standby.wait_for_standby()

    for form in ("json", "tlog-proof"):
        for key in ("ret-1", "ret-2"):
            ok(primary("proof", key, "--format", form, "-o", tmp_path / f"primary-{key}.{form}"))
            ok(replica("proof", key, "--format", form, "-o", tmp_path / f"standby-{key}.{form}"))
            assert (tmp_path / f"standby-{key}.{form}").read_bytes() == \
                (tmp_path / f"primary-{key}.{form}").read_bytes()
    vkey = ok(run("keys", "show")).out.strip()
    verified = ok(run("verify", tmp_path / "standby-ret-1.json", "--key", vkey))
    assert "250 credits" in verified.out

    reads = [("balance", "--json"), ("balance", "acme", "--json"), ("supply", "--json"),
             ("supply", "--by", "vintage", "--json"), ("retirements", "--json"),
             ("retirements", "--buyer", "globex", "--json"), ("show", "batch", LEAF, "--json"),
             ("show", "retirement", "ret-1", "--json"), ("show", "account", "acme", "--json"),
             ("show", "reservation", "po-2", "--json"), ("status", "--json"),
             ("checkpoints", "--json"), ("balance", "--no-catch-up", "--json")]
    for args in reads:
        answer = replica(*args)
        assert answer.code == 0 and "Traceback" not in answer.err, (args, answer.err)
        assert answer.json() == ok(primary(*args)).json(), args
    at = head(primary)
    noted = ok(replica("balance", "acme"))
    assert noted.err.splitlines() == [
        f"read-only store: reading the projection balances as it is, at position {at} of {at}"]
    old, new = (c["tree_size"] for c in ok(replica("checkpoints", "--json")).json())
    grew = ok(replica("consistency", str(old), str(new))).out
    assert grew == ok(primary("consistency", str(old), str(new))).out
    audited = ok(replica("audit", "--jobs", "1", "--json")).json()
    assert audited["problems"] == [] and audited["notes"] == []
    export = EXPORTS / "art_issuances.csv"
    compared = replica("reconcile", export, "--json")
    assert "Traceback" not in compared.err and compared.code in (0, 5)
    assert compared.json() == primary("reconcile", export, "--json").json()


def test_ledger_serve_on_a_hot_standby_answers_as_it_does_on_the_primary(
    run: Run, standby: StandbyPair, tmp_path: Path,  # noqa: F811
) -> None:
    """The public service needs no write: pointed at the standby with a reader's key directory,
    every public answer (API, pages, checkpoint, tiles) is byte for byte the primary's."""
    primary = on(run, standby.primary_url)
    build_history(primary)
    reader = reader_keys(run, tmp_path)
    standby.wait_for_standby()
    old, size = (c["tree_size"] for c in ok(primary("checkpoints", "--json")).json())
    paths = ["/checkpoint", "/api/v1/retirements", f"/api/v1/batches/{LEAF}",
             "/api/v1/supply?by=source", f"/api/v1/consistency?from={old}&to={size}",
             "/api/v1/retirements/00000000-0000-4000-8000-000000000000",
             "/retirements/00000000-0000-4000-8000-000000000000"]
    paths += [f"/{tile.path}" for tile in tiles.tiles_of(size)]
    on_primary = Settings(db=standby.primary_url, key_dir=str(reader))
    on_standby = Settings(db=standby.standby_url, key_dir=str(reader))
    with TestClient(create_app(on_primary)) as first, TestClient(create_app(on_standby)) as second:
        listed = first.get("/api/v1/retirements").json()["retirements"]
        assert len(listed) == 2
        for retirement in (row["retirement"] for row in listed):
            paths += [f"/api/v1/retirements/{retirement}", f"/retirements/{retirement}",
                      f"/api/v1/retirements/{retirement}/proof"]
        for path in paths:
            want, got = first.get(path), second.get(path)
            assert (got.status_code, got.content) == (want.status_code, want.content), path
            expected = 404 if "0000-4000" in path else 200
            assert got.status_code == expected, (path, got.text)
    assert second_was_read_only(standby)


def second_was_read_only(pair: StandbyPair) -> bool:
    """The standby is still a standby: the service wrote nothing and promoted nothing."""
    with psycopg.connect(pair.standby_url) as conn:
        row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
    return bool(row and row[0])


def test_on_a_hot_standby_a_reader_sees_the_projections_as_they_are_and_no_unsigned_proof(
    run: Run, standby: StandbyPair, tmp_path: Path,  # noqa: F811
) -> None:
    primary = on(run, standby.primary_url)
    build_history(primary)
    replica = on(run, standby.standby_url, reader_keys(run, tmp_path))
    projected = head(primary)
    retire(primary, "acme", LEAF, 5, "ret-3")  # neither projected nor checkpointed
    standby.wait_for_standby()

    noted = ok(replica("retirements", "--buyer", "acme", "--json"))
    assert [r["quantity"] for r in noted.json()["retirements"]] == [250]
    assert noted.err.splitlines() == ["read-only store: reading the projection retirements as "
                                      f"it is, at position {projected} of {head(primary)}"]
    unproven = replica("proof", "ret-3", "--json")
    assert unproven.code == 4 and unproven.json()["error"]["code"] == "not_checkpointed"
    lagging = replica("audit", "--jobs", "1", "--json")  # a standby's projections lag by design
    assert lagging.code == 5 and lagging.json()["problems"][0]["kind"] == "projection_behind"
    audited = ok(replica("audit", "--jobs", "1", "--allow-lag", "--json")).json()
    assert audited["problems"] == []
    assert any("not compared" in note for note in audited["notes"])

    ok(primary("proof", "ret-3"))  # the primary signs a checkpoint covering it
    standby.wait_for_standby()
    assert ok(replica("proof", "ret-3")).out == ok(primary("proof", "ret-3")).out


def test_every_write_on_a_hot_standby_fails_with_read_only_store_and_writes_nothing(
    run: Run, standby: StandbyPair, tmp_path: Path,  # noqa: F811
) -> None:
    primary = on(run, standby.primary_url)
    build_history(primary)
    replica_keys = reader_keys(run, tmp_path)
    replica = on(run, standby.standby_url, replica_keys)
    retire(primary, "acme", LEAF, 5, "ret-3")  # something left to project and to sign
    standby.wait_for_standby()
    operations = tmp_path / "operations.jsonl"
    operations.write_text(json.dumps({"op": "reserve", "buyer": "acme", "quantity": 1,
                                      "batch": LEAF, "idempotency_key": "po-9"}) + "\n")
    keys_before, head_before = key_directory(replica_keys), head(replica)

    writes = [
        ("init",), ("mint", EXAMPLES / "leaf-issuance.json"),
        ("reserve", "--buyer", "acme", "--quantity", "1", "--batch", LEAF),
        ("retire", "--holder", "acme", "--batch", LEAF, "--quantity", "1", "--beneficiary",
         "Acme", "--reason", "claim", "--claim-period", "2025"),
        ("checkpoint",), ("project",), ("project", "balances", "--rebuild"),
        ("import", operations), ("keys", "rotate"),
        ("settle", "po-1"), ("release", "po-1"), ("expire",),
        ("transfer", "--from", "acme", "--to", "globex", "--batch", LEAF, "--quantity", "1"),
        ("account", "open", "initech", "--name", "Initech", "--role", "buyer"),
        ("account", "update", "acme", "--no-climate-pledge", "--scope-targets", "1,2,3"),
    ]
    for args in writes:
        refused = replica(*args)
        assert refused.code == 1, (args, refused.out, refused.err)
        assert "Traceback" not in refused.err, args
        assert refused.out == "", args
        assert refused.err.splitlines() == [
            f"error[read_only_store]: store {standby.standby_url}: expected a writable primary, "
            "found a read-only server (a hot standby); run writes on the primary"], args
    as_json = replica("mint", EXAMPLES / "dac-issuance.json", "--json")
    assert (as_json.code, as_json.json()["error"]["code"]) == (1, "read_only_store")
    fresh = run("init", "--db", standby.standby_url, "--key-dir", tmp_path / "fresh-keys")
    assert fresh.code == 1 and "read_only_store" in fresh.err
    assert not (tmp_path / "fresh-keys").exists()

    assert key_directory(replica_keys) == keys_before  # `keys rotate` staged no key
    assert head(replica) == head_before == head(primary)


def test_after_a_failover_the_promoted_standby_takes_the_writes_and_the_log_stays_whole(
    run: Run, standby: StandbyPair, tmp_path: Path,  # noqa: F811
) -> None:
    primary, promoted = on(run, standby.primary_url), on(run, standby.standby_url)
    build_history(primary)
    standby.wait_for_standby()
    old = ok(promoted("checkpoints", "--json")).json()[-1]
    before = ok(promoted("proof", "ret-1")).out
    written = head(primary)

    standby.stop_primary()
    standby.promote()
    retire(promoted, "acme", LEAF, 10, "ret-3")
    retire(promoted, "globex", LEAF, 20, "ret-4")
    ok(promoted("project"))
    new = ok(promoted("checkpoint", "--json")).json()
    assert new["tree_size"] > old["tree_size"]
    (tmp_path / "old.txt").write_text(old["note"])
    (tmp_path / "new.txt").write_text(new["note"])
    ok(promoted("consistency", str(old["tree_size"]), str(new["tree_size"]), "-o",
                tmp_path / "grew.txt"))
    vkey = ok(run("keys", "show")).out.strip()
    ok(run("verify-consistency", tmp_path / "old.txt", tmp_path / "new.txt",
           tmp_path / "grew.txt", "--key", vkey))
    audited = ok(promoted("audit", "--jobs", "1", "--json")).json()
    assert audited["problems"] == [] and audited["notes"] == []

    uow = UnitOfWork(Settings(standby.standby_url, str(tmp_path / "keys")), sign=False)
    try:
        ids = [n.id for n in uow.events.recorder.select_notifications(1, 10_000)]
        leaves = uow.db.execute("SELECT leaf_index, position FROM merkle_leaves "
                                "ORDER BY leaf_index")
    finally:
        uow.close()
    # PostgreSQL logs a sequence 32 values ahead; a promoted standby starts after those, so
    # notification ids skip. The Merkle log's single writer numbers leaves without gaps.
    assert ids[:written] == list(range(1, written + 1))
    assert ids[written] > written + 1, f"expected a gap after {written}, found {ids}"
    assert [index for index, _ in leaves] == list(range(len(ids)))
    assert [position for _, position in leaves] == ids

    for key in ("ret-1", "ret-3", "ret-4"):
        ok(promoted("proof", key, "-o", tmp_path / f"{key}.json"))
        ok(run("verify", tmp_path / f"{key}.json", "--key", vkey))
    (tmp_path / "before.json").write_text(before)
    ok(run("verify", tmp_path / "before.json", "--key", vkey))
