"""`ledger serve` under uvicorn on 127.0.0.1, `ledger publish`, and a store that stops
answering: a bounded 503, never a hang."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from ledger.settings import Settings
from ledger.usecases import checkpoints, holdings, minting, projecting, reservations, setup
from ledger.usecases.unit import UnitOfWork
from ledger.web.app import create_app
from tests.reliability.proxy import Proxy
from tests.support.builders import issuance, open_buyers
from tests.support.cli import Run
from tests.support.postgres import PG_DSN, require_postgres

LEDGER = Path(sys.executable).with_name("ledger")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture
def demo(tmp_path: Path) -> Settings:
    """A ledger with the demo's story, projected and checkpointed."""
    subprocess.run([str(LEDGER), "demo", "--keep", str(tmp_path)], check=True,
                   capture_output=True, timeout=120)
    return Settings(db=str(tmp_path / "demo.db"), key_dir=str(tmp_path / "keys"))


@pytest.fixture
def served(demo: Settings) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "LEDGER_DB": demo.location.url, "LEDGER_KEY_DIR": str(demo.keys.path)}
    process = subprocess.Popen([str(LEDGER), "serve", "--port", str(port), "--workers", "2"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if get(f"{base}/checkpoint")[0] == 200:
                    break
            except (ConnectionError, urllib.error.URLError):
                pass
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_the_served_pages_api_and_tiles_answer_over_http(served: str) -> None:
    status, body = get(f"{served}/api/v1/retirements")
    assert status == 200 and b"Northwind Logistics Inc." in body
    status, page = get(f"{served}/")
    assert status == 200 and b"/retirements/" in page
    assert get(f"{served}/api/v1/accounts")[0] == 404


def test_published_files_are_the_served_tiles(served: str, demo: Settings, tmp_path: Path,
                                              run: Run) -> None:
    out = tmp_path / "public"
    result = run("publish", str(out), "--db", demo.location.url, "--key-dir",
                 str(demo.keys.path), "--json")
    assert result.code == 0, result.err
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) == result.json()["files"] > 2
    for path in files:
        name = path.relative_to(out).as_posix()
        status, body = get(f"{served}/{'verify' if name == 'verify.html' else name}")
        assert (status, body) == (200, path.read_bytes()), path


@pytest.mark.postgres
def test_a_store_that_stops_answering_is_a_bounded_503_and_the_service_recovers(
    tmp_path: Path,
) -> None:
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        direct = Settings(f"{PG_DSN}?schema={schema}", str(tmp_path / "keys"))
        setup.initialise(direct)
        ledger = UnitOfWork(direct)
        minting.mint(ledger, document=issuance(first=1, last=100))
        open_buyers(ledger, "acme")
        reservations.settle(ledger, reservation=reservations.reserve(
            ledger, buyer="acme", quantity=10, batch="ART:ART102-2021-11").reservation)
        retired = holdings.retire(ledger, holder="acme", batch="ART:ART102-2021-11",
                                  quantity=1, beneficiary="Acme", reason="claim",
                                  claim_period="2025").retirement
        checkpoints.sign_head(ledger)
        projecting.catch_up(ledger)
        ledger.close()
        with Proxy() as proxy:
            url = f"postgresql://postgres@127.0.0.1:{proxy.port}/test?schema={schema}"
            with TestClient(create_app(Settings(url, direct.key_dir), timeout_s=1.0)) as client:
                assert client.get(f"/api/v1/retirements/{retired}/proof").status_code == 200
                proxy.freeze()
                started = time.monotonic()
                answer = client.get("/api/v1/retirements")  # nothing cached: it must read
                waited = time.monotonic() - started
                assert answer.status_code == 503
                assert answer.json()["error"]["code"] == "store_unavailable"
                assert waited < 3, waited
                proxy.kill()
                proxy.restore()
                deadline = time.monotonic() + 20
                while client.get("/api/v1/supply").status_code != 200:
                    assert time.monotonic() < deadline, "the service did not recover"
                    time.sleep(0.2)
    finally:
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def test_a_monitor_follows_the_served_log(served: str, demo: Settings, tmp_path: Path,
                                          run: Run) -> None:
    trust = str(demo.keys.trust_path)
    first = run("monitor", served, "--state", str(tmp_path / "m"), "--trust", trust, "--json")
    assert first.code == 0, first.out
    size = first.json()["tree_size"]
    assert size > 0 and first.json()["new_entries"] == size
    again = run("monitor", served, "--state", str(tmp_path / "m"), "--trust", trust, "--json")
    assert again.code == 0 and again.json()["old_size"] == size
