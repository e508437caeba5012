"""Bounded waits on PostgreSQL (issue 16): a server that stops answering mid-command, one that
never answers a connection, and a lock held by someone else each give one clean line and exit
1 within a bound, on a write, on `ledger import` and on `ledger project --follow`; the bound
for each is measured and reported. (`ledger serve` answers 503 within its own deadline:
tests/e2e/test_serve.py.)"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg
import pytest

from tests.reliability.scenario import LEDGER
from tests.reliability.test_store_unavailable import (
    TIMEOUTS,
    Site,
    assert_clean_failure,
    retire,
    site,
)

__all__ = ["site"]  # the fixture, shared with the other store-unavailable tests

pytestmark = pytest.mark.postgres

DEADLINE_S = float(TIMEOUTS["LEDGER_PG_STATEMENT_TIMEOUT"])
LOCK_S = float(TIMEOUTS["LEDGER_PG_LOCK_TIMEOUT"])
BOUND_S = 2 * DEADLINE_S + 3
"""One deadline, a connect timeout, and the library's quick retries that now fail at once."""


@pytest.mark.parametrize("command", [
    pytest.param(lambda key, site: retire(key), id="retire"),
    pytest.param(lambda key, site: ["import", str(site.ops), "--json"], id="import"),
    pytest.param(lambda key, site: ["balance", "acme", "--json"], id="balance"),
])
def test_a_server_that_stops_answering_mid_command_fails_within_the_deadline(
    site: Site, command: Callable[[str, Site], list[str]], report: Callable[[str], None]
) -> None:
    site.proxy.restore()
    site.proxy.cut_at(5, "freeze", per_connection=True)  # after the connection is set up
    result = site.run(*command("frozen", site), timeout=60)
    site.proxy.restore()
    assert_clean_failure(site, result)
    assert result.seconds < BOUND_S, result.seconds
    assert f"within {DEADLINE_S:g} s" in result.error()["message"]
    report(f"{command('k', site)[0]}: store_unavailable {result.seconds:.1f} s after the server "
           f"froze (LEDGER_PG_STATEMENT_TIMEOUT={DEADLINE_S:g})")


def test_project_follow_stops_cleanly_when_the_server_freezes(
    site: Site, report: Callable[[str], None]
) -> None:
    site.proxy.restore()
    site.proxy.cut_at(40, "freeze")  # a few polls in
    result = site.run("project", "--follow", "--interval", "0.05", "--json", timeout=60)
    site.proxy.restore()
    assert_clean_failure(site, result)
    report(f"project --follow: store_unavailable {result.seconds:.1f} s after it started, the "
           "server frozen a few polls in")


@contextmanager
def table_locked(site: Site) -> Iterator[None]:
    """Another session holds an exclusive lock on the events table (as a long migration or a
    stuck writer would)."""
    url = site.direct.location.url
    with psycopg.connect(url.split("?")[0], autocommit=False) as other:
        schema = site.direct.location.env()["POSTGRES_SCHEMA"]
        other.execute(f'LOCK TABLE "{schema}".ledger_events IN ACCESS EXCLUSIVE MODE')
        try:
            yield
        finally:
            other.rollback()


def test_a_lock_held_by_another_session_fails_within_the_lock_timeout(
    site: Site, report: Callable[[str], None]
) -> None:
    site.proxy.restore()
    with table_locked(site):
        result = site.run(*retire("locked"), timeout=120)
    assert_clean_failure(site, result)
    report(f"retire behind a held lock: store_unavailable after {result.seconds:.1f} s "
           f"(LEDGER_PG_LOCK_TIMEOUT={LOCK_S:g})")
    again = site.run(*retire("locked"))
    assert again.code == 0, again.out + again.err


def test_a_bad_statement_timeout_is_a_clean_usage_error(site: Site) -> None:
    for bad in ("0", "nan", "-1", "1e9", "\u0663"):
        result = subprocess.run(
            [str(LEDGER), "balance", "acme", "--json"], env={**site.env,
                                                          "LEDGER_PG_STATEMENT_TIMEOUT": bad},
            capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode == 2 and "Traceback" not in result.stderr, (bad, result)
        assert "LEDGER_PG_STATEMENT_TIMEOUT" in result.stdout


@pytest.mark.parametrize("how", ["killed", "frozen"])
def test_a_server_gone_before_the_command_is_reported_within_the_connect_timeout(
    site: Site, how: str, report: Callable[[str], None]
) -> None:
    """Killed: connections refused at once. Frozen: connections accepted, never answered."""
    connect_s = float(TIMEOUTS["LEDGER_PG_CONNECT_TIMEOUT"])
    site.proxy.restore()
    if how == "killed":
        site.proxy.kill()
    else:
        site.proxy.freeze()
    result = site.run(*retire(f"gone-{how}"), timeout=60)
    site.proxy.restore()
    assert_clean_failure(site, result)
    assert result.seconds < connect_s + 3, result.seconds
    report(f"server {how} before retire: store_unavailable after {result.seconds:.1f} s "
           f"(LEDGER_PG_CONNECT_TIMEOUT={connect_s:g}; before: up to ten connect timeouts)")
