"""`ledger serve`'s application: the JSON API, the log as tiles and the pages, on SQLite and
PostgreSQL, through the framework's test client."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ledger.settings import Settings
from ledger.signing.keys import PRIVATE_KEY_FILE
from ledger.transparency import tiles as tile_paths
from ledger.transparency.bundle import bundle_json
from ledger.transparency.verify import verify_bundle
from ledger.usecases import checkpoints, holdings, minting, projecting, reservations, tiles
from ledger.usecases.unit import UnitOfWork
from ledger.web.app import create_app
from tests.support.builders import issuance, open_buyers
from tests.support.clock import Clock
from tests.unit.transparency.test_tiles import root_from_tiles

LEAF = "ART:ART102-2021-11"
HOSTILE = ['<script>window.pwned=1</script>', '"><img src=x onerror="window.pwned=1">']


def retire(ledger: UnitOfWork, beneficiary: str = "Acme Corp", quantity: int = 5) -> str:
    return holdings.retire(ledger, holder="acme", batch=LEAF, quantity=quantity,
                           beneficiary=beneficiary, reason="2025 claim",
                           claim_period="2025").retirement


@pytest.fixture
def history(ledger: UnitOfWork) -> list[str]:
    minting.mint(ledger, document=issuance(first=1, last=1000))
    open_buyers(ledger, "acme")
    reservations.settle(ledger, reservation=reservations.reserve(
        ledger, buyer="acme", quantity=200, batch=LEAF).reservation)
    retired = [retire(ledger), retire(ledger, HOSTILE[0]), retire(ledger, HOSTILE[1])]
    checkpoints.sign_head(ledger)
    retired.append(retire(ledger, "Not yet checkpointed"))
    projecting.catch_up(ledger)
    return retired


@pytest.fixture
def client(settings: Settings, history: list[str]) -> Iterator[TestClient]:
    with TestClient(create_app(settings, timeout_s=10)) as test_client:
        yield test_client


def test_a_proof_served_is_byte_for_byte_the_cli_proof(
    client: TestClient, ledger: UnitOfWork, history: list[str]
) -> None:
    served = client.get(f"/api/v1/retirements/{history[0]}/proof")
    assert served.status_code == 200
    assert served.content == bundle_json(checkpoints.read_proof(ledger, retirement=history[0]))
    verify_bundle(served.content, list(ledger.keyring.trusted.values()))


def test_a_retirement_no_checkpoint_covers_is_409_not_checkpointed(
    client: TestClient, history: list[str]
) -> None:
    answer = client.get(f"/api/v1/retirements/{history[-1]}/proof")
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "not_checkpointed"


def test_retirements_page_in_log_order_with_a_stable_cursor(
    client: TestClient, history: list[str], clock: Clock
) -> None:
    first = client.get("/api/v1/retirements", params={"limit": 3}).json()
    assert [r["retirement"] for r in first["retirements"]] == history[:3]
    rest = client.get("/api/v1/retirements",
                      params={"limit": 3, "cursor": first["next_cursor"]}).json()
    assert [r["retirement"] for r in rest["retirements"]] == history[3:]
    assert rest["next_cursor"] is None
    this_year = {"buyer": "acme", "year": clock.now.year, "batch": LEAF}
    assert len(client.get("/api/v1/retirements", params=this_year).json()["retirements"]) == 4
    last_year = {**this_year, "year": clock.now.year - 1}
    assert client.get("/api/v1/retirements", params=last_year).json()["retirements"] == []


@pytest.mark.parametrize(("path", "status", "code"), [
    ("/api/v1/retirements/not-a-uuid", 400, "invalid_argument"),
    ("/api/v1/retirements/00000000-0000-0000-0000-000000000000", 404, "retirement_not_found"),
    ("/api/v1/retirements?limit=100000", 400, "invalid_argument"),
    ("/api/v1/retirements?cursor=abc", 400, "invalid_argument"),
    ("/api/v1/retirements?buyer=%3Cscript%3E", 400, "invalid_argument"),
    ("/api/v1/batches/no-colon", 400, "invalid_argument"),
    ("/api/v1/batches/ART:none", 404, "batch_not_found"),
    ("/api/v1/supply?by=owner", 400, "invalid_argument"),
    ("/api/v1/consistency?from=1&to=999999", 404, "not_found"),
    ("/api/v1/accounts/acme", 404, "not_found"),
    ("/tile/0/0000", 400, "invalid_argument"),
    ("/tile/0/999", 404, "not_found"),
])
def test_bad_requests_get_a_status_and_the_cli_code_never_a_trace(
    client: TestClient, path: str, status: int, code: str
) -> None:
    answer = client.get(path)
    assert answer.status_code == status
    assert answer.json()["error"]["code"] == code
    assert "Traceback" not in answer.text


def test_a_batch_is_public_but_who_holds_it_is_not(client: TestClient) -> None:
    body = client.get(f"/api/v1/batches/{LEAF}").json()
    assert body["minted"] == 1000 and body["document"]["jurisdiction"] == "CR"
    assert "holders" not in body and "acme" not in json.dumps(body)


def test_supply_by_source_and_the_openapi_document(client: TestClient) -> None:
    rows = client.get("/api/v1/supply", params={"by": "source"}).json()
    assert rows == [{"source": "LEAF", "minted": 1000, "available": 800, "reserved": 0,
                     "held": 180, "retired": 20, "cancelled": 0,
                     "buffer": 50, "reversed": 0, "unit": "t"}]
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/v1/retirements/{retirement}/proof" in paths and "/tile/{path}" in paths


def test_the_log_as_tiles_recomputes_to_the_signed_root(
    client: TestClient, ledger: UnitOfWork
) -> None:
    note = client.get("/checkpoint")
    assert note.headers["content-type"].startswith("text/plain")
    size = int(note.text.splitlines()[1])
    fetched = {}
    for tile in tile_paths.tiles_of(size):
        answer = client.get(f"/{tile.path}")
        assert answer.status_code == 200, tile.path
        assert ("immutable" in answer.headers["cache-control"]) == tile.full
        fetched[tile.path] = answer.content
    signed = tiles.latest_checkpoint(ledger)
    assert root_from_tiles(size, fetched) == signed.root_hash


def test_consistency_between_two_checkpoints(client: TestClient, ledger: UnitOfWork) -> None:
    old = checkpoints.list_checkpoints(ledger).checkpoints[0].tree_size
    new = checkpoints.sign_head(ledger).tree_size
    body = client.get("/api/v1/consistency", params={"from": old, "to": new}).json()
    assert (body["old_size"], body["new_size"]) == (old, new) and body["proof"]


def test_a_retirement_page_escapes_hostile_names_and_runs_no_script(
    client: TestClient, history: list[str]
) -> None:
    for retirement, name in zip(history[1:3], HOSTILE, strict=True):
        page = client.get(f"/retirements/{retirement}")
        assert page.status_code == 200
        assert name not in page.text and "&lt;" in page.text
        assert "<script" not in page.text.lower()
        assert "script-src" not in page.headers["content-security-policy"]
        assert "default-src 'none'" in page.headers["content-security-policy"]


def test_a_retirement_page_shows_the_facts_the_serials_and_the_links(
    client: TestClient, history: list[str]
) -> None:
    page = client.get(f"/retirements/{history[0]}").text
    assert "Acme Corp" in page and "ART-CR-102-2021-11-1 to 5" in page
    assert f"/api/v1/retirements/{history[0]}/proof" in page
    assert re.search(r'/verify#proof=[A-Za-z0-9_-]+&amp;key=', page)
    waiting = client.get(f"/retirements/{history[-1]}").text
    assert "No signed checkpoint covers this retirement yet" in waiting


def test_the_service_never_loads_the_private_key(
    settings: Settings, history: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[Path] = []
    real_open = Path.read_bytes

    def watched(path: Path) -> bytes:
        opened.append(path)
        return real_open(path)

    monkeypatch.setattr(Path, "read_bytes", watched)
    (settings.keys.path / PRIVATE_KEY_FILE).chmod(0o000)  # unreadable: it must not matter
    with TestClient(create_app(settings)) as served:
        for path in ("/", f"/retirements/{history[0]}", f"/api/v1/retirements/{history[0]}/proof",
                     "/checkpoint", "/api/v1/supply"):
            assert served.get(path).status_code == 200, path
    assert not [p for p in opened if p.name == PRIVATE_KEY_FILE]
