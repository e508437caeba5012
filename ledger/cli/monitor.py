"""`ledger monitor URL --state DIR`: follow a served log and check that it only grows."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import click

from ledger.cli.options import renders
from ledger.errors import NotFound
from ledger.transparency.monitor import Fetch
from ledger.usecases import monitoring
from ledger.views import MonitorView

TIMEOUT_S = 10.0
MAX_BYTES = 16 * 1024 * 1024
"""No checkpoint, tile or entry bundle is larger (256 entries of at most 64 KiB)."""


@click.command()
@click.argument("url")
@click.option("--state", required=True, metavar="DIR",
              help="Where the last verified checkpoint is kept between runs.")
@click.option("--trust", required=True, metavar="FILE",
              help="Trust list (`ledger keys trust --export`).")
@renders()
def monitor(url: str, state: str, trust: str) -> MonitorView:
    """Follow a log served as C2SP tlog-tiles (`ledger serve`, `ledger publish`): verify its
    checkpoint, prove it consistent with the one kept in DIR from tiles alone, check the new
    entries against the tiles, and keep it; exit 5 on any fork or rollback."""
    return monitoring.monitor(url=url, fetch=fetcher(url), state=Path(state),
                              trust=Path(trust))


def fetcher(url: str) -> Fetch:
    """GET ``url/PATH``; not_found for anything but a 200 answer."""
    base = url.rstrip("/")

    def fetch(path: str) -> bytes:
        try:
            with urllib.request.urlopen(f"{base}/{path}", timeout=TIMEOUT_S) as answer:
                data: bytes = answer.read(MAX_BYTES + 1)
        except (urllib.error.URLError, OSError) as e:
            raise NotFound(f"{base}/{path}: expected the log to serve it, found {e}") from None
        if len(data) > MAX_BYTES:
            raise NotFound(f"{base}/{path}: expected at most {MAX_BYTES} bytes, found more")
        return data

    return fetch
