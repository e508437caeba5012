"""Headless Chromium for the browser tests: Debian's ``/usr/bin/chromium`` driven by Playwright
for Python, whose own browser download is never used (``make test`` installs chromium when it
is missing and it runs as root). Without either, a test that needs them skips, visibly; under
``CI=true`` it fails instead."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("LEDGER_TEST_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]


def missing() -> str | None:
    """What the browser tests lack, or None."""
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package (pip install -e '.[dev]')"
    if not CHROMIUM.is_file():
        return f"{CHROMIUM} (apt-get install chromium; `make test` does it as root)"
    return None


def require_browser() -> None:
    """Skip (or under CI=true, fail) when Playwright or Chromium is missing."""
    problem = missing()
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but the browser tests lack {problem}")
        pytest.skip(f"browser tests need {problem} (they run under CI=true)")


@contextmanager
def chromium() -> Iterator[Any]:
    """A running headless Chromium (a Playwright ``Browser``)."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


# Runs in the page: each case is [base64 of the proof file, keys text]; the keys text is read
# once per distinct text. The answer per case is what python_verdict gives.
VERIFY_CASES = """async (cases) => {
  const keys = new Map();
  const verdicts = [];
  for (const [proof, text] of cases) {
    if (!keys.has(text)) {
      keys.set(text, await ledgerVerify.readKeys(text).catch((error) => {
        if (error instanceof ledgerVerify.InputError) return null;
        throw error;
      }));
    }
    const trusted = keys.get(text);
    if (trusted === null) {
      verdicts.push(["input", null]);
      continue;
    }
    const raw = Uint8Array.from(atob(proof), (c) => c.charCodeAt(0));
    const report = await ledgerVerify.verifyBundle(raw, trusted);
    verdicts.push([report.failed, report.code]);
  }
  return verdicts;
}"""

# Runs in the page: every change [offset, xor mask, replacement or -1] of one proof file.
VERIFY_CHANGES = """async ([proof, text, changes]) => {
  const original = Uint8Array.from(atob(proof), (c) => c.charCodeAt(0));
  const trusted = await ledgerVerify.readKeys(text);
  const verdicts = [];
  for (const [offset, mask, value] of changes) {
    const raw = original.slice();
    raw[offset] = value < 0 ? raw[offset] ^ mask : value;
    const report = await ledgerVerify.verifyBundle(raw, trusted);
    verdicts.push([report.failed, report.code]);
  }
  return verdicts;
}"""
