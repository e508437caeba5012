"""Concurrent writers on the same batch: optimistic concurrency, bounded retry, no overspend."""

from __future__ import annotations

import threading
from typing import Any
from uuid import uuid4

import pytest

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


class Refused(Exception):
    """The decision changed an aggregate, then refused."""


def test_a_decision_refused_after_changing_an_aggregate_leaves_nothing_of_it_in_the_cache(
    ledger: UnitOfWork, clock: Clock
) -> None:
    """Loads hand out the cached aggregate itself: an attempt that does not end in a save
    (a refusal, a conflict) has its aggregates evicted, so the next load reads the store."""
    minting.mint(ledger, document=issuance(first=1, last=60))
    open_buyers(ledger, "acme")

    def change_then_refuse() -> tuple[list[Any], None]:
        batch = ledger.load_batch(LEAF)
        batch.reserve_lowest(uuid4(), "acme", 10)
        raise Refused

    with pytest.raises(Refused):
        ledger.atomically(change_then_refuse)
    batch = ledger.load_batch(LEAF)
    assert batch.pending_events == [] and reads.show_batch(ledger, batch=LEAF).available == 60

    with pytest.raises(Refused), ledger.transaction():
        reservations.reserve(ledger, buyer="acme", quantity=5, batch=LEAF)
        raise Refused
    assert ledger.load_batch(LEAF).pending_events == []
    assert reads.show_batch(ledger, batch=LEAF).available == 60
    reservations.reserve(ledger, buyer="acme", quantity=5, batch=LEAF)  # and it still works
    assert reads.show_batch(ledger, batch=LEAF).available == 55


def calls_to(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[object]:
    """The arguments of every call to ``owner.name`` from now on (each call still made)."""
    made: list[object] = []
    method = getattr(owner, name)
    monkeypatch.setattr(owner, name, lambda *a, **k: made.append(a) or method(*a, **k))
    return made


def test_a_cached_aggregate_is_used_without_a_query_only_while_nobody_else_wrote(
    ledger: UnitOfWork, settings: Settings, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A save's loads use cached aggregates as they are while the log's head moved only by
    this unit's own saves; another writer's event makes the next save bring them up to date
    (no stale decision, not even on an aggregate it only reads)."""
    minting.mint(ledger, document=issuance(first=1, last=60))
    open_buyers(ledger, "acme")
    reservations.reserve(ledger, buyer="acme", quantity=1, batch=LEAF)
    asked = calls_to(monkeypatch, ledger.events.recorder, "select_events")
    reservations.reserve(ledger, buyer="acme", quantity=1, batch=LEAF)
    assert asked == []  # batch and account used as cached: only this unit wrote
    other = UnitOfWork(settings, clock=clock)
    try:
        reservations.reserve(other, buyer="acme", quantity=50, batch=LEAF)
    finally:
        other.close()
    with pytest.raises(InsufficientCredits, match="found 8"):
        reservations.reserve(ledger, buyer="acme", quantity=9, batch=LEAF)
    assert asked  # brought up to date first: the refusal counts the other writer's 50
    assert reads.show_batch(ledger, batch=LEAF).reserved == 52


def test_a_single_writer_does_not_read_the_head_before_each_save(
    ledger: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While only this unit writes, an operation assumes the head its last save left (the
    save's transaction checks it): no read of the log's head, no query for a cached aggregate."""
    minting.mint(ledger, document=issuance(first=1, last=60))
    open_buyers(ledger, "acme")
    reservations.reserve(ledger, buyer="acme", quantity=1, batch=LEAF)
    heads = calls_to(monkeypatch, ledger.events.recorder, "max_notification_id")
    for _ in range(3):
        view = reservations.reserve(ledger, buyer="acme", quantity=1, batch=LEAF)
        reservations.settle(ledger, reservation=view.reservation)
    assert heads == []
    assert ledger.saves.conflicts == 0
    assert reads.show_batch(ledger, batch=LEAF).held == 3


def test_a_refusal_on_a_head_another_writer_moved_is_decided_again(
    ledger: UnitOfWork, settings: Settings, clock: Clock
) -> None:
    """An operation that assumed the head and is refused reads the head before it reports the
    refusal: the credits another writer released since are counted, not refused."""
    minting.mint(ledger, document=issuance(first=1, last=10))
    open_buyers(ledger, "acme")
    held = reservations.reserve(ledger, buyer="acme", quantity=10, batch=LEAF)
    # The batch is cached with nothing available, and the head this save left is assumed next.
    other = UnitOfWork(settings, clock=clock)
    try:
        reservations.release(other, reservation=held.reservation)
    finally:
        other.close()
    view = reservations.reserve(ledger, buyer="acme", quantity=4, batch=LEAF)
    assert view.quantity == 4
    assert reads.show_batch(ledger, batch=LEAF).reserved == 4
