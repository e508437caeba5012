"""Projection followers as their own processes (`ledger project --follow`): killed with SIGKILL
in the middle of a catch-up and restarted, or started two at once, they end with exactly the
rows a rebuild from zero gives: no event applied twice, none skipped. And the commands that
read the projections, catching them up first or not."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ledger.cli.main import main
from ledger.errors import NotFound
from ledger.projections.registry import PROJECTIONS
from ledger.projections.runner import Database, read_position
from ledger.settings import Settings
from ledger.usecases import minting, reservations
from ledger.usecases.unit import UnitOfWork
from tests.application.test_projections import History, project, rows, runners
from tests.support.builders import issuance, open_buyers
from tests.support.clock import Clock

NAMES = ("balances", "supply", "retirements")
TIMEOUT_S = 60


@pytest.fixture
def start(settings: Settings, tmp_path: Path) -> Iterator[Callable[[int], subprocess.Popen[bytes]]]:
    """Start `ledger project --follow` in a process of its own; SIGKILL any left at the end."""
    started: list[subprocess.Popen[bytes]] = []
    env = {**os.environ, "LEDGER_DB": settings.location.url,
           "LEDGER_KEY_DIR": str(settings.keys.path)}

    def follower(chunk_size: int) -> subprocess.Popen[bytes]:
        log = (tmp_path / f"follower-{len(started)}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-c", "from ledger.cli.main import main; main()", "project",
             "--follow", "--interval", "0.1", "--chunk-size", str(chunk_size)],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        started.append(process)
        return process

    yield follower
    for process in started:
        process.kill()
        process.wait()


def positions(db: Database) -> list[int]:
    found = []
    for name in NAMES:
        try:
            found.append(read_position(db, name))
        except NotFound:
            found.append(0)
    return found


def beyond(db: Database, position: int) -> Callable[[], bool]:
    return lambda: max(positions(db)) > position


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.01)


def rebuilt(ledger: UnitOfWork, db: Database) -> dict[str, list[tuple[object, ...]]]:
    for runner in runners(ledger, db):
        runner.rebuild()
    project(ledger, db)
    return rows(db)


def test_a_follower_killed_mid_catch_up_resumes_without_applying_an_event_twice(
    ledger: UnitOfWork, clock: Clock, db: Database, start: Callable[[int], subprocess.Popen[bytes]]
) -> None:
    History(ledger, clock, seed=3).run(1500)
    head = ledger.events.recorder.max_notification_id() or 0
    assert head > 1500
    reached = 0
    for _ in range(3):
        follower = start(20)
        wait_until(beyond(db, reached), "the follower applied a batch")
        follower.kill()
        follower.wait()
        assert min(positions(db)) < head, "killed after the catch-up, not in the middle"
        reached = max(positions(db))
    start(500)
    wait_until(lambda: positions(db) == [head] * 3, "the restarted follower caught up")
    caught_up = rows(db)
    assert caught_up == rebuilt(ledger, db)


def test_two_followers_started_at_once_end_with_the_rows_of_a_rebuild(
    ledger: UnitOfWork, clock: Clock, db: Database, start: Callable[[int], subprocess.Popen[bytes]]
) -> None:
    history = History(ledger, clock, seed=5)
    history.run(300)
    start(10), start(10)
    history.run(300)  # the followers race each other while the ledger writes
    head = ledger.events.recorder.max_notification_id() or 0
    wait_until(lambda: positions(db) == [head] * 3, "the followers caught up")
    caught_up = rows(db)
    assert caught_up == rebuilt(ledger, db)


def test_queries_catch_up_first_and_no_catch_up_reads_the_rows_as_they_are(
    ledger: UnitOfWork, settings: Settings, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LEDGER_DB", settings.location.url)
    monkeypatch.setenv("LEDGER_KEY_DIR", str(settings.keys.path))

    def cli(*args: str) -> Any:
        with pytest.raises(SystemExit) as exited:
            main([*args, "--json"])
        assert exited.value.code == 0
        return json.loads(capsys.readouterr().out)

    minting.mint(ledger, document=issuance(first=1, last=100))
    open_buyers(ledger, "acme")
    head = ledger.events.recorder.max_notification_id()
    assert cli("project") == {"projections": [
        {"projection": n, "position": head, "head": head, "lag": 0} for n in PROJECTIONS]}
    reservations.reserve(ledger, buyer="acme", quantity=10, batch="ART:ART102-2021-11")
    assert cli("balance", "acme", "--no-catch-up") == {"holder": "acme", "batches": []}
    assert [r["lag"] for r in cli("status")["projections"]] == [2] * len(PROJECTIONS)
    assert cli("balance", "acme")["batches"] == [
        {"batch": "ART:ART102-2021-11", "available": 0, "reserved": 10, "retired": 0,
         "cancelled": 0, "unit": "t"}]
    assert cli("supply", "--by", "source") == [{"source": "LEAF", "minted": 100, "available": 90,
                                                 "reserved": 10, "held": 0, "retired": 0,
                                                 "cancelled": 0, "buffer": 5, "reversed": 0,
                                                 "unit": "t"}]
    assert cli("project", "supply", "--rebuild")["projections"][0]["lag"] == 0
    assert cli("retirements", "--buyer", "acme")["retirements"] == []
