"""A buyer's path in a real browser, against `ledger serve` on 127.0.0.1: the retirement page,
its proof, and "verify this in your browser" giving a valid verdict; names made of markup are
shown as text and run nothing."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ledger.settings import Settings
from ledger.usecases import checkpoints, holdings, minting, projecting, reservations, setup
from ledger.usecases.unit import UnitOfWork
from tests.support.builders import issuance, open_buyers

LEDGER = Path(sys.executable).with_name("ledger")
LEAF = "ART:ART102-2021-11"
NAMES = ["Société Générale — 東京", "<script>window.pwned=1</script>",
         '"><img src=x onerror="window.pwned=1">']


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    where = tmp_path_factory.mktemp("served")
    settings = Settings(db=str(where / "ledger.db"), key_dir=str(where / "keys"))
    setup.initialise(settings)
    uow = UnitOfWork(settings)
    minting.mint(uow, document=issuance(first=1, last=1000))
    open_buyers(uow, "acme")
    reservations.settle(uow, reservation=reservations.reserve(
        uow, buyer="acme", quantity=100, batch=LEAF).reservation)
    retired = [holdings.retire(uow, holder="acme", batch=LEAF, quantity=3, beneficiary=name,
                               reason="2025 claim", claim_period="2025").retirement
               for name in NAMES]
    checkpoints.sign_head(uow)
    projecting.catch_up(uow)
    uow.close()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "LEDGER_DB": settings.location.url,
           "LEDGER_KEY_DIR": str(settings.keys.path)}
    process = subprocess.Popen([str(LEDGER), "serve", "--port", str(port)], env=env,
                               stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{base}/checkpoint", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        yield base, retired
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)


def test_a_buyer_opens_the_page_downloads_the_proof_and_sees_it_verified(
    served: tuple[str, list[str]], browser: Any
) -> None:
    base, retired = served
    page = browser.new_page()
    page.goto(f"{base}/retirements/{retired[0]}")
    assert page.locator("#beneficiary").text_content() == NAMES[0]
    with page.expect_download() as downloading:
        page.click("text=Download the proof")
    proof = Path(downloading.value.path()).read_bytes()
    assert proof == urllib.request.urlopen(
        f"{base}/api/v1/retirements/{retired[0]}/proof").read()
    page.click("text=Verify this in your browser")
    page.wait_for_selector("#verdict[data-verdict]")
    assert page.get_attribute("#verdict", "data-verdict") == "valid"
    statuses = page.eval_on_selector_all("[data-check]", "els => els.map(e => e.dataset.status)")
    assert statuses == ["pass"] * 7
    page.close()


def test_names_made_of_markup_show_as_text_and_run_nothing(
    served: tuple[str, list[str]], browser: Any
) -> None:
    base, retired = served
    page = browser.new_page()
    for retirement, name in zip(retired[1:], NAMES[1:], strict=True):
        page.goto(f"{base}/retirements/{retirement}")
        assert page.locator("#beneficiary").text_content() == name
        assert page.evaluate("typeof window.pwned") == "undefined"
        page.click("text=Verify this in your browser")
        page.wait_for_selector("#verdict[data-verdict]")
        assert page.get_attribute("#verdict", "data-verdict") == "valid"
        assert page.evaluate("typeof window.pwned") == "undefined"
    page.goto(f"{base}/")
    assert page.evaluate("typeof window.pwned") == "undefined"
    page.close()
