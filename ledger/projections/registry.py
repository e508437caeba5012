"""Every projection of the log, by name: the read models and the transparency log."""

from __future__ import annotations

from collections.abc import Callable

from ledger.projections.balances import Balances
from ledger.projections.merkle_log import MerkleLog
from ledger.projections.retirements import Retirements
from ledger.projections.runner import Projection
from ledger.projections.supply import Supply

PROJECTIONS: dict[str, Callable[[], Projection]] = {
    "balances": Balances,
    "supply": Supply,
    "retirements": Retirements,
    "merkle_log": MerkleLog,
}
