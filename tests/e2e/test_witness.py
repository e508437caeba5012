"""Witnesses through the real CLI and real HTTP, on SQLite and PostgreSQL: `ledger checkpoint
--witness` collects cosignatures from the tests' C2SP witness (tests/support/witness.py), every
later proof carries them, `ledger verify --witness` requires them, and a witness that has seen
the log before a rollback refuses the rewritten one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.settings import Settings
from ledger.usecases.setup import DEFAULT_ORIGIN
from tests.e2e.test_history_attacks import delete_newest_retirement, on, retire, signed_history
from tests.support.cli import Run
from tests.support.static_site import serving_directory
from tests.support.witness import SpecWitness, serving


@pytest.fixture
def witnesses() -> Iterator[tuple[SpecWitness, SpecWitness]]:
    with serving(SpecWitness(name="witness.test/one")) as one, \
            serving(SpecWitness(name="witness.test/two")) as two:
        yield one, two


def follow(cli: Run, *witnesses: SpecWitness) -> None:
    for witness in witnesses:
        witness.follow(DEFAULT_ORIGIN, cli("keys", "show").out.strip())


def cosigned(*witnesses: SpecWitness) -> list[str]:
    return [a for w in witnesses for a in ("--witness", w.url, "--witness-key", w.vkey)]


@pytest.fixture
def followed(run: Run, settings: Settings, tmp_path: Path,
             witnesses: tuple[SpecWitness, SpecWitness]) -> Run:
    """A ledger with two proofs made before any witness, both witnesses following its log,
    and a third retirement not yet checkpointed."""
    cli = on(run, settings)
    signed_history(cli, tmp_path)
    follow(cli, *witnesses)
    retire(cli, "ret-3")
    return cli


def test_checkpoints_carry_cosignatures_and_buyers_require_them(
    run: Run, followed: Run, tmp_path: Path, witnesses: tuple[SpecWitness, SpecWitness]
) -> None:
    one, two = witnesses
    cli = followed

    made = cli("checkpoint", *cosigned(one, two), "--json")
    assert made.code == 0, made.out
    note = made.json()["note"]
    assert note.count("\u2014 witness.test/") == 2
    assert one.answers[-1] == two.answers[-1] == 200
    assert one.latest[DEFAULT_ORIGIN][0] == made.json()["tree_size"]
    stored = cli("checkpoints", "--json").json()[-1]
    assert stored["note"] == note  # kept with the checkpoint

    proof = tmp_path / "ret-3.json"
    assert cli("proof", "ret-3", "-o", proof).code == 0
    vkey = cli("keys", "show").out.strip()
    verified = run("verify", proof, "--key", vkey, "--witness", one.vkey, "--witness", two.vkey,
                   "--json")
    assert verified.code == 0, verified.out
    assert {c["witness"] for c in verified.json()["cosignatures"]} == {one.name, two.name}
    text = run("verify", proof, "--key", vkey, "--witness", one.vkey)
    assert f"cosigned by {one.name} at " in text.out

    # A proof from before the witnesses were asked has no cosignature: refused when required.
    old = run("verify", tmp_path / "ret-1.json", "--key", vkey, "--witness", one.vkey, "--json")
    assert (old.code, old.json()["error"]["code"]) == (5, "cosignature_missing")
    assert run("verify", tmp_path / "ret-1.json", "--key", vkey).code == 0  # still valid

    stranger = SpecWitness(name="witness.test/three")
    quorum = run("verify", proof, "--key", vkey, "--witness", one.vkey, "--witness",
                 stranger.vkey, "--min-witnesses", "1")
    assert quorum.code == 0
    strict = run("verify", proof, "--key", vkey, "--witness", one.vkey, "--witness",
                 stranger.vkey, "--json")
    assert strict.code == 5 and "at least 2 of 2" in strict.json()["error"]["message"]


def test_re_running_asks_only_the_witness_that_was_down(
    followed: Run, witnesses: tuple[SpecWitness, SpecWitness]
) -> None:
    one, two = witnesses
    cli = followed
    down = f"http://127.0.0.1:{_free_port()}"
    partial = cli("checkpoint", "--witness", one.url, "--witness", down, "--witness-key",
                  one.vkey, "--witness-key", two.vkey, "--json")
    assert (partial.code, partial.json()["error"]["code"]) == (1, "witness_unavailable")
    assert down in partial.json()["error"]["message"]
    note = cli("checkpoints", "--json").json()[-1]["note"]
    assert note.count("\u2014 witness.test/") == 1  # what one answered is kept

    again = cli("checkpoint", *cosigned(one, two), "--json")
    assert again.code == 0, again.out
    assert again.json()["tree_size"] == cli("checkpoints", "--json").json()[-1]["tree_size"]
    assert again.json()["note"].count("\u2014 witness.test/") == 2


def test_a_witness_catches_a_store_and_key_directory_restored_from_an_old_backup(
    run: Run, settings: Settings, tmp_path: Path, witnesses: tuple[SpecWitness, SpecWitness]
) -> None:
    """The signer's own memory is in the backup too, so only the witness still knows what was
    signed: it refuses the rewritten head, and buyers who require it refuse the proof."""
    one, _ = witnesses
    cli = on(run, settings)
    older, newest = signed_history(cli, tmp_path)
    follow(cli, one)
    memory = settings.keys.signed_checkpoint_path
    [old_memory] = [c["note"] for c in cli("checkpoints", "--json").json()
                    if c["tree_size"] == older]
    assert cli("checkpoint", "--witness", one.url, "--witness-key", one.vkey).code == 0
    assert one.latest[DEFAULT_ORIGIN][0] == newest

    delete_newest_retirement(settings, cli, newest)  # the store as the old backup had it
    memory.write_text(old_memory, encoding="utf-8")  # and the key directory
    retire(cli, "ret-3")  # the log is back at the witnessed size, with other events in it

    refused = cli("checkpoint", "--witness", one.url, "--witness-key", one.vkey, "--json")
    assert (refused.code, refused.json()["error"]["code"]) == (5, "log_rolled_back"), refused.out
    assert f"another root at tree size {newest}" in refused.json()["error"]["message"]
    assert one.latest[DEFAULT_ORIGIN][0] == newest  # the witness kept what it had seen

    proof = tmp_path / "ret-3.json"
    assert cli("proof", "ret-3", "-o", proof).code == 0  # the operator's key alone signs it...
    vkey = cli("keys", "show").out.strip()
    buyer = run("verify", proof, "--key", vkey, "--witness", one.vkey, "--json")
    assert (buyer.code, buyer.json()["error"]["code"]) == (5, "cosignature_missing")


@pytest.mark.parametrize(("args", "message"), [
    (["--witness", "http://127.0.0.1:9"], "--witness URL and --witness-key VKEY together"),
    (["--witness-key", "x+00000000+AA=="], "--witness URL and --witness-key VKEY together"),
    (["--witness", "http://127.0.0.1:9", "--witness-key", "nonsense"], "--witness-key: expected"),
])
def test_witness_options_are_checked_before_anything_is_signed(
    run: Run, settings: Settings, tmp_path: Path, args: list[str], message: str
) -> None:
    cli = on(run, settings)
    signed_history(cli, tmp_path)
    before = cli("checkpoints", "--json").json()
    retire(cli, "ret-3")
    refused = cli("checkpoint", *args, "--json")
    assert refused.code == 2 and message in refused.json()["error"]["message"]
    assert cli("checkpoints", "--json").json() == before


def test_min_witnesses_is_between_one_and_the_keys_given(run: Run, tmp_path: Path) -> None:
    witness = SpecWitness()
    (tmp_path / "p.json").write_text("{}")
    for n in ("0", "2"):
        refused = run("verify", tmp_path / "p.json", "--key", "k+00000000+AA==", "--witness",
                      witness.vkey, "--min-witnesses", n, "--json")
        assert refused.code == 2, refused.out


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_verify_origin_requires_the_proof_to_come_from_that_log(
    run: Run, settings: Settings, tmp_path: Path
) -> None:
    cli = on(run, settings)
    signed_history(cli, tmp_path)
    vkey = cli("keys", "show").out.strip()
    proof = tmp_path / "ret-1.json"
    assert run("verify", proof, "--key", vkey, "--origin", DEFAULT_ORIGIN).code == 0
    other = run("verify", proof, "--key", vkey, "--origin", "registry.example/other", "--json")
    assert (other.code, other.json()["error"]["code"]) == (5, "checkpoint_invalid")
    assert "expected origin 'registry.example/other'" in other.json()["error"]["message"]


def test_a_monitor_requiring_a_witness_keeps_only_cosigned_checkpoints(
    run: Run, settings: Settings, tmp_path: Path, witnesses: tuple[SpecWitness, SpecWitness]
) -> None:
    from tests.e2e.test_monitor import show

    one, _ = witnesses
    cli = on(run, settings)
    signed_history(cli, tmp_path)
    follow(cli, one)
    trust, state = tmp_path / "trust.json", tmp_path / "monitor"
    assert cli("keys", "trust", "--export", trust).code == 0
    with serving_directory(tmp_path / "site") as (url, root):
        assert cli("publish", tmp_path / "plain").code == 0  # not cosigned yet
        show(tmp_path / "plain", root)
        refused = run("monitor", url, "--state", state, "--trust", trust, "--witness",
                      one.vkey, "--json")
        assert (refused.code, refused.json()["error"]["code"]) == (5, "cosignature_missing")
        assert not (state / "followed.json").exists()  # nothing kept
        assert cli("checkpoint", *cosigned(one)).code == 0
        assert cli("publish", tmp_path / "cosigned").code == 0
        show(tmp_path / "cosigned", root)
        kept = run("monitor", url, "--state", state, "--trust", trust, "--witness", one.vkey,
                   "--json")
        assert kept.code == 0, kept.out
        assert kept.json()["cosigned_by"] == [one.name]
