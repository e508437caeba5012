"""Concurrent writers on the same batch: optimistic concurrency, bounded retry, no overspend."""

from __future__ import annotations

import threading

from ledger.errors import InsufficientCredits
from ledger.settings import Settings
from ledger.usecases import minting, reads, reservations
from ledger.usecases.unit import UnitOfWork
from tests.support.builders import issuance, open_buyers
from tests.support.clock import Clock

LEAF = "ART:ART102-2021-11"


def test_writers_racing_for_the_last_credits_never_overspend(
    ledger: UnitOfWork, settings: Settings, clock: Clock
) -> None:
    minting.mint(ledger, document=issuance(first=1, last=60))
    open_buyers(ledger, "acme", "globex")
    won: list[list[tuple[int, int]]] = []
    refused: list[int] = []
    lock = threading.Lock()

    def writer(buyer: str) -> None:
        app = UnitOfWork(settings, clock=clock)
        try:
            for _ in range(25):
                try:
                    view = reservations.reserve(app, buyer=buyer, quantity=2, batch=LEAF)
                    reservations.settle(app, reservation=view.reservation)
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
    batch = reads.show_batch(ledger, batch=LEAF)
    assert (batch.available, batch.reserved, batch.held) == (0, 0, 60)
    assert sum(batch.holders.values()) == 60
