"""Concurrent writers on the same batch: optimistic concurrency, bounded retry, no overspend."""

from __future__ import annotations

import threading

from ledger.app import Ledger
from ledger.context import Settings
from ledger.errors import InsufficientCredits
from tests.conftest import Clock
from tests.support import issuance, open_buyers

LEAF = "ART:ART102-2021-11"


def test_writers_racing_for_the_last_credits_never_overspend(
    ledger: Ledger, settings: Settings, clock: Clock
) -> None:
    ledger.mint(issuance(first=1, last=60))
    open_buyers(ledger, "acme", "globex")
    won: list[list[tuple[int, int]]] = []
    refused: list[int] = []
    lock = threading.Lock()

    def writer(buyer: str) -> None:
        app = Ledger(settings.store.env(), settings.keys.keyring(), clock=clock)
        try:
            for _ in range(25):
                try:
                    view = app.reserve(buyer, 2, batch=LEAF)
                    app.settle(view.reservation)
                except InsufficientCredits:
                    with lock:
                        refused.append(1)
                else:
                    with lock:
                        won.append([(b.first, b.last) for b in view.blocks])
        finally:
            app.close()

    threads = [threading.Thread(target=writer, args=(b,)) for b in ("acme", "globex") * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    serials = [s for blocks in won for first, last in blocks for s in range(first, last + 1)]
    assert len(serials) == len(set(serials)) == 60
    assert len(refused) == 4 * 25 - 30
    batch = ledger.show_batch(LEAF)
    assert (batch.available, batch.reserved, batch.held) == (0, 0, 60)
    assert sum(batch.holders.values()) == 60
