"""A write whose COMMIT reached the server but whose answer was lost reports
`store_unavailable`, and says how to ask again: with the idempotency key it printed (a new one,
when none was given), the same command is recorded once, never twice."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest

from tests.reliability.test_store_unavailable import LEAF, Site, assert_clean_failure, site

__all__ = ["site"]  # the fixture, shared with the other store-unavailable tests

pytestmark = pytest.mark.postgres

RETIRE = ["retire", "--holder", "acme", "--batch", LEAF, "--quantity", "2", "--beneficiary",
          "Acme", "--reason", "claim", "--claim-period", "2026", "--json"]
KEY = re.compile(r"--idempotency-key (key-[0-9a-f]{20}) to record it exactly once")
def test_a_retirement_whose_commit_answer_was_lost_is_recorded_once_with_the_printed_key(
    site: Site, report: Callable[[str], None]
) -> None:
    site.proxy.restore()
    probe = site.run(*RETIRE)
    assert probe.code == 0
    assert re.fullmatch(r"key-[0-9a-f]{20}", json.loads(probe.out)["idempotency_key"])
    before, _ = site.state()
    site.proxy.cut_on(b"COMMIT", after=b"INSERT")
    lost = site.run(*RETIRE)
    site.proxy.restore()
    after, _ = site.state()
    assert_clean_failure(site, lost)
    assert after == before + 2  # recorded, although the command reported a failure
    message = lost.error()["message"]
    key = KEY.search(message)
    assert key is not None, message
    again = site.run(*RETIRE[:-1], "--idempotency-key", key.group(1), "--json")
    assert again.code == 0, again.out + again.err
    assert site.state()[0] == after  # the re-run found it: recorded once
    report(f"COMMIT delivered, its answer lost: store_unavailable after {lost.seconds:.1f} s, "
           "and the re-run with the printed key recorded nothing more")
