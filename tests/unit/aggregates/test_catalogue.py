"""Catalogue: every minted batch, in mint order, optionally by source."""

from __future__ import annotations

from uuid import uuid4

from ledger.aggregates.catalogue import Catalogue


def new_catalogue(*listed: tuple[str, str]) -> Catalogue:
    catalogue = Catalogue(id=uuid4())
    for reference, source in listed:
        catalogue.list_batch(reference, source)
    return catalogue


LISTED = (("ART:Z", "LEAF"), ("DAC:M", "DAC"), ("ART:A", "LEAF"))


def test_a_new_catalogue_lists_nothing() -> None:
    assert new_catalogue().references() == []


def test_batches_are_listed_in_mint_order_not_sorted() -> None:
    assert new_catalogue(*LISTED).references() == ["ART:Z", "DAC:M", "ART:A"]


def test_filtering_by_source_keeps_mint_order() -> None:
    catalogue = new_catalogue(*LISTED)
    assert catalogue.references("LEAF") == ["ART:Z", "ART:A"]
    assert catalogue.references("DAC") == ["DAC:M"]


def test_a_source_with_no_batches_lists_nothing() -> None:
    assert new_catalogue(*LISTED).references("PURO") == []


def test_listing_a_batch_records_its_reference_and_source() -> None:
    catalogue = new_catalogue()
    catalogue.collect_events()
    catalogue.list_batch("ART:A", "LEAF")
    [listed] = catalogue.collect_events()
    assert type(listed).__name__ == "BatchListed"
    assert (listed.reference, listed.source) == ("ART:A", "LEAF")


def test_replaying_the_events_rebuilds_the_catalogue() -> None:
    catalogue = new_catalogue(*LISTED)
    opened, *listed = catalogue.collect_events()
    replayed = opened.mutate(None)
    for e in listed:
        replayed = e.mutate(replayed)
    assert replayed == catalogue
