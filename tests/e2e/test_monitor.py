"""`ledger monitor` follows the files of `ledger publish` served over HTTP on 127.0.0.1: growth
verifies from tiles alone; a rollback or a fork signed by the operator's own key exits 5."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ledger.settings import Settings
from tests.e2e.test_history_attacks import on, retire, signed_history
from tests.support.cli import Run
from tests.support.static_site import serving_directory


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A static web server on 127.0.0.1 and the directory it serves."""
    with serving_directory(tmp_path / "site") as served:
        yield served


def show(published: Path, root: Path) -> None:
    """Serve what ``published`` holds, instead of what was served so far."""
    shutil.rmtree(root)
    shutil.copytree(published, root)


def test_a_monitor_follows_growth_and_exits_5_on_a_rollback_or_a_fork(
    run: Run, settings: Settings, tmp_path: Path, site: tuple[str, Path]
) -> None:
    url, root = site
    cli = on(run, settings)
    _, first = signed_history(cli, tmp_path)
    trust, state = tmp_path / "trust.json", tmp_path / "monitor"
    assert cli("keys", "trust", "--export", trust).code == 0
    assert cli("publish", tmp_path / "pub1").code == 0
    show(tmp_path / "pub1", root)

    def monitor() -> Any:
        return run("monitor", url, "--state", state, "--trust", trust, "--json")

    followed = monitor()
    assert followed.code == 0, followed.out
    assert (followed.json()["old_size"], followed.json()["tree_size"]) == (0, first)

    retire(cli, "ret-3")
    assert cli("checkpoint").code == 0
    assert cli("publish", tmp_path / "pub2").code == 0
    show(tmp_path / "pub2", root)
    grown = monitor()
    assert grown.code == 0, grown.out
    assert (grown.json()["old_size"], grown.json()["new_entries"]) == (first, 2)
    assert cli("project").code == 0  # the monitor's checkpoint is one an audit can hold
    assert cli("audit", "--jobs", "1", "--checkpoint", state / "checkpoint").code == 0

    show(tmp_path / "pub1", root)  # the server goes back in time
    back = monitor()
    assert (back.code, back.json()["error"]["code"]) == (5, "log_rolled_back")
    assert "went back in time" in back.json()["error"]["message"]

    # The operator's key holder bypasses the key's memory and signs another history.
    keys = tmp_path / "copied-keys"
    shutil.copytree(settings.keys.path, keys)
    (keys / "signed-checkpoint").unlink()
    other = on(run, Settings(str(tmp_path / "other.db"), str(keys)))
    (tmp_path / "other-proofs").mkdir()
    signed_history(other, tmp_path / "other-proofs")
    for key in ("o-3", "o-4"):
        retire(other, key)
    assert other("checkpoint").code == 0
    assert other("publish", tmp_path / "forked").code == 0
    show(tmp_path / "forked", root)
    forked = monitor()
    assert (forked.code, forked.json()["error"]["code"]) == (5, "log_rolled_back")
    assert "fork" in forked.json()["error"]["message"]
    show(tmp_path / "pub2", root)
    assert monitor().code == 0  # what it kept is still the honest log's head
