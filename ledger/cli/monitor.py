"""`ledger monitor URL --state DIR`: follow a served log and check that it only grows."""

from __future__ import annotations

from pathlib import Path

import click

from ledger.cli.http import fetcher
from ledger.cli.options import renders
from ledger.cli.verify import required_witnesses, witness_options
from ledger.usecases import monitoring
from ledger.views import MonitorView


@click.command()
@click.argument("url")
@click.option("--state", required=True, metavar="DIR",
              help="Where the last verified checkpoint is kept between runs.")
@click.option("--trust", required=True, metavar="FILE",
              help="Trust list (`ledger keys trust --export`).")
@witness_options
@renders()
def monitor(url: str, state: str, trust: str, vkeys: tuple[str, ...],
            min_witnesses: int | None) -> MonitorView:
    """Follow a log served as C2SP tlog-tiles (`ledger serve`, `ledger publish`): verify its
    checkpoint, prove it consistent with the one kept in DIR from tiles alone, check the new
    entries against the tiles, and keep it; exit 5 on any fork or rollback. With --witness,
    the checkpoint must also be cosigned by those witnesses (C2SP tlog-cosignature)."""
    witnesses, minimum = required_witnesses(vkeys, min_witnesses)
    return monitoring.monitor(url=url, fetch=fetcher(url), state=Path(state),
                              trust=Path(trust), witnesses=witnesses, min_witnesses=minimum)
