"""SerialScope: each mint claims its range; no two batches hold the same registry serial."""

from __future__ import annotations

from uuid import uuid4

import pytest

from ledger.aggregates.serial_scope import SerialScope
from ledger.serials import SerialRange


def new_scope(*claims: tuple[str, int, int]) -> SerialScope:
    scope = SerialScope(id=uuid4(), scope="ART-GY-2021")
    for batch, first, last in claims:
        scope.claim(batch, first, last)
    return scope


def test_a_new_scope_has_no_claims() -> None:
    scope = new_scope()
    assert scope.claimed.count == 0
    assert scope.overlaps(SerialRange(0, 10**9)) == []


def test_claiming_records_the_range_and_the_batch_holding_it() -> None:
    scope = new_scope()
    scope.collect_events()
    scope.claim("ART:A", 1, 100)
    assert list(scope.claimed) == [SerialRange(1, 100)]
    assert scope.owners == {1: "ART:A"}
    [claimed] = scope.collect_events()
    assert type(claimed).__name__ == "Claimed"
    assert (claimed.batch, claimed.first, claimed.last) == ("ART:A", 1, 100)


def test_a_range_inside_a_claim_overlaps_it_and_names_its_batch() -> None:
    scope = new_scope(("ART:A", 1, 100))
    assert scope.overlaps(SerialRange(40, 50)) == [("ART:A", SerialRange(40, 50))]


def test_a_range_next_to_a_claim_does_not_overlap_it() -> None:
    scope = new_scope(("ART:A", 11, 20))
    assert scope.overlaps(SerialRange(1, 10)) == []
    assert scope.overlaps(SerialRange(21, 30)) == []


def test_overlaps_report_only_the_shared_serials_of_each_claim() -> None:
    scope = new_scope(("ART:A", 1, 10), ("ART:B", 30, 40))
    assert scope.overlaps(SerialRange(5, 35)) == [
        ("ART:A", SerialRange(5, 10)),
        ("ART:B", SerialRange(30, 35)),
    ]


def test_claiming_a_range_twice_is_refused() -> None:
    scope = new_scope(("ART:A", 1, 10))
    with pytest.raises(ValueError):
        scope.claim("ART:B", 10, 20)


def test_the_owner_of_a_serial_is_the_batch_whose_claim_holds_it() -> None:
    scope = new_scope(("ART:B", 11, 20), ("ART:A", 1, 10))
    assert [scope.owner_of(s) for s in (1, 10, 11, 20)] == ["ART:A", "ART:A", "ART:B", "ART:B"]


def test_a_serial_below_every_claim_has_no_known_owner() -> None:
    assert new_scope(("ART:A", 5, 10)).owner_of(4) == "?"


def test_an_overlap_spanning_two_adjacent_claims_names_each_batch() -> None:
    scope = new_scope(("ART:A", 1, 10), ("ART:B", 11, 20))
    assert scope.overlaps(SerialRange(5, 15)) == [
        ("ART:A", SerialRange(5, 10)),
        ("ART:B", SerialRange(11, 15)),
    ]


def test_replaying_the_events_rebuilds_the_claims() -> None:
    scope = new_scope(("ART:A", 1, 10), ("ART:B", 30, 40))
    opened, *claims = scope.collect_events()
    replayed = opened.mutate(None)
    for e in claims:
        replayed = e.mutate(replayed)
    assert replayed == scope
