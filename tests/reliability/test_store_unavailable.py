"""The database goes away: PostgreSQL behind a TCP proxy the test kills, cuts or freezes.

The URL carries a password (``SECRET``; the server trusts anyone, so any password connects).
A command whose database is unreachable, or goes away in the middle, exits 1 with
``store_unavailable``, shows the URL with the password removed, prints the password nowhere,
and leaves nothing half-written; the same command succeeds once the proxy is back.
"""

from __future__ import annotations

import json
import random
import select
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from ledger.documents import parse_issuance
from ledger.settings import Settings
from ledger.usecases import accounts, minting, reservations, setup
from ledger.usecases.unit import UnitOfWork
from tests.reliability.invariants import event_count, ledger_problems
from tests.reliability.proxy import Proxy
from tests.reliability.scenario import LEDGER, cli_env, operations, write_operations
from tests.support.builders import EXAMPLES
from tests.support.cli import imported

pytestmark = pytest.mark.postgres

SECRET = "SECRET-pa55word"
LEAF = "ART:ART102-2021-11"
TIMEOUTS = {"LEDGER_PG_CONNECT_TIMEOUT": "1", "LEDGER_PG_LOCK_TIMEOUT": "2",
            "LEDGER_PG_STATEMENT_TIMEOUT": "3"}
# With 1 s to connect, 2 s to wait for a lock and 3 s for any answer, a command cut off mid-run
# fails within about 6 s (one deadline, then the server is not asked again: eventsourcing's ten
# retries of a read fail at once); one still running after 25 s hangs.
FAIL_WITHIN_S = 25.0


@dataclass
class Result:
    code: int
    out: str
    err: str
    seconds: float

    def error(self) -> dict[str, Any]:
        body: dict[str, Any] = json.loads(self.out)["error"]
        return body


@dataclass
class Site:
    """A ledger seen directly and through the proxy."""

    proxy: Proxy
    direct: Settings
    url: str
    env: dict[str, str]
    ops: Path

    def run(self, *args: str, timeout: float = 60) -> Result:
        started = time.monotonic()
        done = subprocess.run([str(LEDGER), *args], env=self.env, capture_output=True,
                              text=True, timeout=timeout, check=False)
        return Result(done.returncode, done.stdout, done.stderr, time.monotonic() - started)

    def state(self) -> tuple[int, dict[str, Any]]:
        """The event count and every batch's pools, read directly (not through the proxy)."""
        ledger = UnitOfWork(self.direct, sign=False)
        try:
            assert ledger_problems(ledger) == []
            pools = {ref: {p: b.to_lists() for p, b in ledger.load_batch(ref).pools.items()}
                     for ref in ledger.load_catalogue().references()}
            return event_count(ledger), pools
        finally:
            ledger.close()


@pytest.fixture
def site(pg_url: str, tmp_path: Path) -> Iterator[Site]:
    """An initialised ledger with a minted batch and a buyer holding 100 credits."""
    direct = Settings(pg_url, str(tmp_path / "keys"))
    setup.initialise(direct)
    ledger = UnitOfWork(direct)
    try:
        leaf = parse_issuance((EXAMPLES / "leaf-issuance.json").read_bytes())
        minting.mint(ledger, document=leaf)
        accounts.open_account(ledger, handle="acme", name="Acme", role="buyer", climate_pledge=True,
                              scope_targets=[])
        reservations.reserve(ledger, buyer="acme", quantity=100, batch=LEAF,
                             idempotency_key="stock")
        reservations.settle(ledger, reservation="stock")
    finally:
        ledger.close()
    with Proxy() as proxy:
        parts = urlsplit(pg_url)
        url = parts._replace(netloc=f"postgres:{SECRET}@127.0.0.1:{proxy.port}").geturl()
        site = Site(proxy, direct, url, {**cli_env(url, tmp_path / "keys"), **TIMEOUTS},
                    write_operations(tmp_path / "ops.jsonl", operations(3)))
        yield site


def assert_clean_failure(site: Site, result: Result, as_json: bool = True) -> None:
    """Exit 1, store_unavailable, the URL without its password, the password nowhere."""
    assert result.code == 1, (result.out, result.err)
    assert SECRET not in result.out + result.err
    assert "Traceback" not in result.err
    shown = f"postgres:***@127.0.0.1:{site.proxy.port}/test"
    if as_json:
        assert result.error()["code"] == "store_unavailable"
        assert shown in result.error()["message"]
    else:
        assert result.err.startswith("error[store_unavailable]") and shown in result.err
    assert result.seconds < FAIL_WITHIN_S


def retire(key: str) -> list[str]:
    return ["retire", "--holder", "acme", "--batch", LEAF, "--quantity", "2", "--beneficiary",
            "Acme", "--reason", "claim", "--claim-period", "2026", "--idempotency-key", key,
            "--json"]


COMMANDS: dict[str, list[str]] = {
    "mint": ["mint", str(EXAMPLES / "dac-issuance.json")],
    "reserve": ["reserve", "--buyer", "acme", "--quantity", "1", "--batch", LEAF],
    "settle": ["settle", "stock"],
    "transfer": ["transfer", "--from", "acme", "--to", "operator", "--batch", LEAF,
                 "--quantity", "1"],
    "retire": retire("down")[:-1],
    "show": ["show", "batch", LEAF],
    "balance": ["balance", "acme"],
    "supply": ["supply"],
    "status": ["status"],
    "import": ["import", "{ops}"],
    "expire": ["expire"],
    "account": ["account", "open", "globex", "--name", "Globex", "--role", "buyer"],
    "retirements": ["retirements"],
    "project": ["project"],
    "checkpoint": ["checkpoint"],
    "keys-rotate": ["keys", "rotate"],
    "audit": ["audit", "--allow-lag"],  # writers ran just before: projections may lag
    "reconcile": ["reconcile", str(Path(__file__).resolve().parents[1] / "fixtures" / "exports"
                                   / "art_issuances.csv")],
}
SHORT = ("retire", "balance")


@pytest.mark.parametrize("commands", [
    pytest.param(SHORT, id="short"),
    pytest.param(tuple(COMMANDS), id="long", marks=pytest.mark.slow),
])
def test_commands_on_an_unreachable_database_fail_with_store_unavailable_and_no_password(
    site: Site, commands: tuple[str, ...]
) -> None:
    for command in commands:
        args = [a.replace("{ops}", str(site.ops)) for a in COMMANDS[command]]
        before = site.state()
        site.proxy.kill()
        assert_clean_failure(site, site.run(*args, "--json"))
        assert_clean_failure(site, site.run(*args), as_json=False)
        assert site.state() == before
        site.proxy.restore()
        back = site.run(*args)
        assert back.code == (5 if command == "reconcile" else 0), back.err  # 5: differences


def cut_points(site: Site, how: str, count: int) -> list[int]:
    """``count`` of the client messages of a retire (counted on a probe run), at random."""
    site.proxy.restore()
    assert site.run(*retire(f"probe-{how}")).code == 0
    messages = site.proxy.messages
    return sorted(random.sample(range(1, messages + 1), min(count, messages)))


@pytest.mark.slow  # in CI, the import below is the command cut off mid-run
@pytest.mark.parametrize(("how", "count"), [("drop", 12), ("deliver", 12)])
def test_a_retirement_cut_off_mid_command_writes_all_or_nothing_and_succeeds_once_back(
    site: Site, how: str, count: int, report: Callable[[str], None]
) -> None:
    points = cut_points(site, how, count)
    outcomes = {"failed cleanly, nothing written": 0, "failed, but committed": 0,
                "succeeded": 0}
    for n in points:
        events_before, _ = site.state()
        site.proxy.restore()
        site.proxy.cut_at(n, how)
        result = site.run(*retire(f"cut-{how}-{n}"))
        site.proxy.restore()
        events_after, _ = site.state()
        if result.code == 0:
            outcomes["succeeded"] += 1
            assert events_after == events_before + 2
            continue
        assert_clean_failure(site, result)
        # Nothing half-written: none of the retirement's two events, or (when the COMMIT got
        # through and only its answer was lost) both.
        assert events_after in (events_before, events_before + 2), (n, result.out)
        outcomes["failed, but committed" if events_after > events_before
                 else "failed cleanly, nothing written"] += 1
        again = site.run(*retire(f"cut-{how}-{n}"))
        assert again.code == 0, again.out + again.err
        assert site.state()[0] == events_before + 2  # once, whatever the first attempt did
    report(f"retire cut ({how}) at client messages {points}: "
           + ", ".join(f"{v} {k}" for k, v in outcomes.items()))


def progress_passes(process: subprocess.Popen[str], operations: int, timeout_s: float) -> None:
    """Wait until the import's progress on stderr shows ``operations`` committed."""
    deadline = time.monotonic() + timeout_s
    assert process.stderr is not None
    while True:
        ready, _, _ = select.select([process.stderr], [], [], max(deadline - time.monotonic(), 0))
        assert ready, "no progress from the import"
        line = process.stderr.readline()
        assert line, "the import ended before the database went away"
        if imported(line) >= operations:
            return


def test_an_import_whose_database_goes_away_stops_between_chunks_and_resumes(
    site: Site, tmp_path: Path
) -> None:
    ops = write_operations(tmp_path / "ops.jsonl", operations(40))
    command = [str(LEDGER), "import", str(ops), "--chunk-size", "10", "--json"]
    process = subprocess.Popen(command, env=site.env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        progress_passes(process, 30, 60)
        site.proxy.kill()
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert_clean_failure(site, Result(process.returncode, out, err, 0.0))
    events, _ = site.state()  # no partial operation (checked there)
    site.proxy.restore()
    assert site.run("import", str(ops), "--chunk-size", "10").code == 0
    finished, pools = site.state()
    assert finished > events
    assert site.run("import", str(ops), "--chunk-size", "10").code == 0
    assert site.state() == (finished, pools)


def test_a_database_that_stops_answering_mid_command_fails_instead_of_hanging(
    site: Site,
) -> None:
    site.proxy.restore()
    # A connection's first messages set it up (SSL request, startup, the pool's SET), which
    # the pool's connect timeout bounds; its 5th is the command's second query, which then
    # waits for an answer on an open connection.
    site.proxy.cut_at(5, "freeze", per_connection=True)
    try:
        result = site.run(*retire("frozen"), timeout=FAIL_WITHIN_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`ledger retire` still running {FAIL_WITHIN_S} s after its database froze")
    assert_clean_failure(site, result)


@pytest.mark.slow
def test_a_database_that_never_answers_the_connection_fails_within_the_connect_timeout(
    site: Site,
) -> None:
    before = site.state()
    site.proxy.restore()
    site.proxy.freeze()
    assert_clean_failure(site, site.run(*retire("never"), timeout=FAIL_WITHIN_S))
    site.proxy.restore()
    assert site.state() == before
