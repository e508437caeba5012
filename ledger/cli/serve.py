"""`ledger serve`: the read-only public service (API, retirement pages, /verify, tiles)."""

from __future__ import annotations

import os

import click

from ledger.cli.options import Seconds, Whole, with_settings
from ledger.cli.render import say
from ledger.settings import Settings
from ledger.usecases.unit import open_unit


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=Whole(1, 65535), default=8080, show_default=True)
@click.option("--workers", type=Whole(1, 64), default=1, show_default=True,
              help="Server processes (each reads the store on its own connection).")
@click.option("--timeout", type=Seconds(0.1, 300), default=5.0, show_default=True,
              help="Seconds a read may take before the request gets 503 store_unavailable.")
@with_settings
def serve(settings: Settings, host: str, port: int, workers: int, timeout: float) -> int:
    """Serve the public, read-only view of the ledger: retirements and their proofs, the
    in-browser verifier, and the log as C2SP tlog-tiles.

    It needs the store and the trust list only: it never loads the private key and never
    writes, so it runs unchanged against a PostgreSQL hot standby.
    """
    import uvicorn

    with open_unit(settings, sign=False) as uow:  # fail now, cleanly, if either is missing
        uow.keyring.current()
    os.environ["LEDGER_DB"] = settings.location.url
    os.environ["LEDGER_KEY_DIR"] = str(settings.keys.path)
    os.environ["LEDGER_SERVE_TIMEOUT"] = str(timeout)
    say(f"serving {settings.location.redacted} on http://{host}:{port}/ ({workers} workers)")
    uvicorn.run("ledger.web.app:app_from_environment", factory=True, host=host, port=port,
                workers=workers, log_level="warning", server_header=False,
                limit_concurrency=1000, h11_max_incomplete_event_size=16 * 1024)
    return 0
