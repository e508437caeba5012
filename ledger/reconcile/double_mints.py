"""Double minting: one registry serial in two rows of the export, or in two ledger batches."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping

from ledger.reconcile.batch_compare import Claim, Tally
from ledger.reconcile.ledger_side import LedgerBatch, LedgerSide
from ledger.reconcile.report import Difference, Side


def export_double_mints(batches: Mapping[str, Tally]) -> Iterator[Difference]:
    """Serials that two rows of the export both claim, across all batches of a scope."""
    by_scope: dict[str, list[tuple[Claim, str]]] = defaultdict(list)
    for ref, tally in batches.items():
        by_scope[tally.scope].extend((claim, ref) for claim in tally.claims)
    for scope, claims in sorted(by_scope.items()):
        claims.sort(key=lambda item: (item[0].first, item[0].last))
        # The claim reaching furthest so far is the one any later overlapping claim collides with.
        reach: tuple[Claim, str] | None = None
        for claim, ref in claims:
            if reach is not None and claim.first <= reach[0].last:
                shared = (claim.first, min(claim.last, reach[0].last))
                where = f"on two rows of the export: {reach[0].where()} and {claim.where()}"
                other = None if reach[1] == ref else reach[1]
                yield Difference("double_mint", ref, scope, Side.of([shared]), Side(), other, where)
            if reach is None or claim.last > reach[0].last:
                reach = (claim, ref)


class LedgerDoubleMints:
    """Finds ledger batches that share serials with a given batch, each pair reported once."""

    def __init__(self, ledger: LedgerSide) -> None:
        self._ledger = ledger
        self._reported: set[tuple[str, str]] = set()

    def check(self, batch: LedgerBatch) -> list[Difference]:
        """Double mints between ``batch`` and any other ledger batch, not reported before."""
        found: list[Difference] = []
        for other in self._ledger.overlapping(batch.scope, batch.first, batch.last):
            pair = min(batch.batch_ref, other.batch_ref), max(batch.batch_ref, other.batch_ref)
            if other.batch_ref == batch.batch_ref or pair in self._reported:
                continue
            self._reported.add(pair)
            ledger = Side.of([(max(batch.first, other.first), min(batch.last, other.last))])
            detail = "the same registry serials are in two ledger batches"
            found.append(
                Difference("double_mint", pair[0], batch.scope, Side(), ledger, pair[1], detail)
            )
        return found
