"""Fixtures of the browser tests: one headless Chromium for the session, real proofs, and the
verify page written to a file and opened from disk (``file://``), as a buyer saves it.
Helpers live in ``tests.support``; this file only makes fixtures of them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ledger.web.verify_page import verify_page
from tests.support.browser import chromium
from tests.support.proofs import RealProofs, make_real_proofs


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    with chromium() as running:
        yield running


@pytest.fixture(scope="session")
def proofs(tmp_path_factory: pytest.TempPathFactory) -> RealProofs:
    return make_real_proofs(tmp_path_factory.mktemp("ledger"))


@pytest.fixture(scope="session")
def page_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("page") / "verify.html"
    path.write_text(verify_page().html, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def verifier(browser: Any, page_file: Path) -> Iterator[Any]:
    """One loaded page, whose ``ledgerVerify`` the corpus tests call directly."""
    page = browser.new_page()
    page.goto(page_file.as_uri())
    yield page
    page.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh tab of its own, for a test that drives the page as a buyer does."""
    context = browser.new_context()
    yield context.new_page()
    context.close()
