"""What must hold of any ledger, whatever happened to it: checks shared by the reliability tests.

Each check returns the problems it found (empty when the ledger is sound) instead of asserting,
so a test can show every broken invariant at once and a benchmark can print them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from uuid import UUID

from ledger.aggregates.batch import CreditBatch
from ledger.aggregates.reservation import Reservation
from ledger.aggregates.retirement import Retirement
from ledger.aggregates.transfer import Transfer
from ledger.errors import NotFound
from ledger.serials import BlockSet, SerialRange
from ledger.serials.pools import AVAILABLE, RESERVED, RETIRED
from ledger.usecases.unit import UnitOfWork

PAGE = 1000


def event_count(ledger: UnitOfWork) -> int:
    """How many events the log holds (notification ids have gaps on PostgreSQL: count rows)."""
    count, start = 0, 1
    while True:
        page = ledger.events.recorder.select_notifications(start, PAGE)
        count += len(page)
        if len(page) < PAGE:
            return count
        start = page[-1].id + 1


def ids_of(ledger: UnitOfWork, kind: type, event: str) -> list[UUID]:
    """Every aggregate of ``kind`` in the log, found by the topic of its first event."""
    topic = f"{kind.__module__}:{kind.__qualname__}.{event}"
    found, start = [], 1
    while True:
        page = ledger.events.recorder.select_notifications(start, PAGE, topics=[topic])
        found += [UUID(str(n.originator_id)) for n in page]
        if len(page) < PAGE:
            return found
        start = page[-1].id + 1


def batches(ledger: UnitOfWork) -> Iterator[CreditBatch]:
    for reference in ledger.load_catalogue().references():
        yield ledger.load_batch(reference)


def batch_problems(batch: CreditBatch) -> list[str]:
    """Every serial of the batch sits in exactly one pool, and the totals add up."""
    problems = []
    seen = BlockSet()
    for pool, blocks in batch.pools.items():
        for block in blocks:
            try:
                seen.add(block)
            except ValueError:
                problems.append(f"{batch.reference}: serials {block} of {pool} are also elsewhere")
    if seen.to_lists() != [[batch.serial_first, batch.serial_last]] and not problems:
        problems.append(f"{batch.reference}: pools cover {seen}, expected "
                        f"{batch.serial_first}-{batch.serial_last} exactly")
    totals = batch.totals()
    parts = totals["available"] + totals["reserved"] + totals["held"] + totals["retired"]
    if parts != totals["minted"]:
        problems.append(f"{batch.reference}: minted {totals['minted']} != {parts} ({totals})")
    return problems


def ledger_problems(ledger: UnitOfWork) -> list[str]:
    """No partial operation is visible anywhere.

    Per batch: the pools partition the serials, open reservations account exactly for the
    reserved pool, and retirements exactly for the retired pool (no serial retired twice).
    """
    problems: list[str] = []
    loaded = {b.reference: b for b in batches(ledger)}
    for batch in loaded.values():
        problems += batch_problems(batch)
    reserved: dict[str, list[SerialRange]] = {ref: [] for ref in loaded}
    for rid in ids_of(ledger, Reservation, "Opened"):
        reservation = ledger.load(Reservation, rid, NotFound(f"reservation {rid}"))
        if reservation.status not in ("open", "settled", "released", "expired"):
            problems.append(f"reservation {rid}: status {reservation.status!r}")
        if reservation.status == "open":
            for ref, blocks in reservation.by_batch().items():
                reserved[ref] += blocks
    retired: dict[str, list[SerialRange]] = {ref: [] for ref in loaded}
    for rid in ids_of(ledger, Retirement, "Recorded"):
        retirement = ledger.load(Retirement, rid, NotFound(f"retirement {rid}"))
        retired[retirement.batch] += [SerialRange(f, la) for f, la in retirement.blocks]
    for ref, batch in loaded.items():
        problems += same_serials(f"{ref}: open reservations", reserved[ref],
                                 batch.pools.get(RESERVED, BlockSet()))
        problems += same_serials(f"{ref}: retirements", retired[ref],
                                 batch.pools.get(RETIRED, BlockSet()))
    return problems


def same_serials(what: str, blocks: list[SerialRange], pool: BlockSet) -> list[str]:
    """``blocks`` (which must not overlap) are exactly the serials of ``pool``."""
    union = BlockSet()
    for block in blocks:
        try:
            union.add(block)
        except ValueError:
            return [f"{what}: serials {block} claimed twice"]
    if union != pool:
        return [f"{what} hold {union}, the pool holds {pool}"]
    return []


class SerialModel:
    """Where every serial must be, from acknowledged movements alone, in any order.

    Each acknowledged movement takes a serial out of one pool and puts it in another; counting
    +1/-1 per (serial, pool) needs no ordering between writers. At the end every serial must be
    in exactly one pool (count 1), and that pool must be the batch's.
    """

    def __init__(self) -> None:
        self.counts: dict[str, Counter[tuple[int, str]]] = {}

    def mint(self, batch: str, first: int, last: int) -> None:
        self.counts[batch] = Counter({(s, AVAILABLE): 1 for s in range(first, last + 1)})

    def move(self, batch: str, first: int, last: int, source: str, target: str) -> None:
        counts = self.counts[batch]
        for serial in range(first, last + 1):
            counts[(serial, source)] -= 1
            counts[(serial, target)] += 1

    def problems(self, batch: CreditBatch) -> list[str]:
        counts = self.counts[batch.reference]
        expected: dict[str, set[int]] = {}
        problems = []
        for (serial, pool), n in counts.items():
            if n not in (0, 1):
                problems.append(f"{batch.reference}: serial {serial} counted {n} times in {pool}")
            elif n == 1:
                expected.setdefault(pool, set()).add(serial)
        for pool in set(expected) | set(batch.pools):
            found = {s for b in batch.pools.get(pool, BlockSet())
                     for s in range(b.first, b.last + 1)}
            if found != expected.get(pool, set()):
                missing = sorted(expected.get(pool, set()) - found)[:5]
                extra = sorted(found - expected.get(pool, set()))[:5]
                problems.append(f"{batch.reference} pool {pool}: acknowledged but absent "
                                f"{missing}, present but never acknowledged {extra}")
        return problems


def blocks_of(record: Reservation | Retirement | Transfer) -> list[list[object]]:
    """An operation's blocks as ``[batch, first, last]`` lists, as workers record them."""
    if isinstance(record, Reservation):
        return [[b["batch"], b["first"], b["last"]] for b in record.blocks]
    return [[record.batch, f, la] for f, la in record.blocks]
