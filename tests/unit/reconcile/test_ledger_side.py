"""Ledger batches check their blocks, and the in-memory ledger finds overlapping batches."""

from __future__ import annotations

import pytest

from ledger.reconcile.compare import LedgerBatch, LedgerBlock, MemoryLedgerSide
from ledger.reconcile.records import RegistryRecord


def _batch(ref: str, first: int, last: int, scope: str = "S") -> LedgerBatch:
    return LedgerBatch(ref, "ART", scope, first, last, (LedgerBlock(first, last, "active"),))


def test_a_batch_whose_blocks_leave_a_gap_is_refused() -> None:
    blocks = (LedgerBlock(1, 10, "active"), LedgerBlock(12, 20, "retired", "Contoso Ltd"))
    with pytest.raises(ValueError, match="expected a block starting at 11"):
        LedgerBatch("ART:X", "ART", "S", 1, 20, blocks)


def test_a_batch_whose_blocks_stop_short_is_refused() -> None:
    with pytest.raises(ValueError, match="expected blocks to end at 20, found the end at 10"):
        LedgerBatch("ART:X", "ART", "S", 1, 20, (LedgerBlock(1, 10, "active"),))


def test_a_block_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="first <= last"):
        LedgerBlock(5, 4, "active")


def test_overlapping_finds_every_batch_sharing_a_serial_even_behind_a_long_one() -> None:
    long = _batch("ART:long", 1, 1000)
    short = [_batch(f"ART:b{n}", n * 10, n * 10 + 4) for n in range(1, 50)]
    ledger = MemoryLedgerSide([long, *short, _batch("ART:elsewhere", 1, 1000, scope="T")])
    found = {batch.batch_ref for batch in ledger.overlapping("S", 204, 212)}
    assert found == {"ART:long", "ART:b20", "ART:b21"}
    assert list(ledger.overlapping("S", 5000, 6000)) == []
    assert list(ledger.overlapping("unknown", 1, 2)) == []


def test_batch_refs_lists_the_batches_of_one_registry() -> None:
    verra = LedgerBatch("Verra:VCS1-2", "Verra", "VCS-VCU", 1, 5, (LedgerBlock(1, 5, "active"),))
    ledger = MemoryLedgerSide([_batch("ART:a", 1, 5), verra])
    assert list(ledger.batch_refs("Verra")) == ["Verra:VCS1-2"]
    assert ledger.batch("ART:a") is not None
    assert ledger.batch("ART:none") is None


def test_a_registry_record_refuses_a_quantity_that_is_not_its_range_size() -> None:
    with pytest.raises(ValueError, match="expected quantity 8, found 9"):
        RegistryRecord("ART", "ART:X", "S", 1, 8, 9, "active", None, None, None, None, "f", 2, True)


def test_a_registry_record_refuses_a_range_without_its_scope() -> None:
    with pytest.raises(ValueError, match="all given or all absent"):
        RegistryRecord(
            "ART", "ART:X", None, 1, 8, 8, "active", None, None, None, None, "f", 2, True
        )
