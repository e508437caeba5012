"""Balances: per holder and batch, the credits available, reserved, retired and cancelled.

The numbers mean what ``Ledger.balance`` means: the operator's ``available`` is its
unreserved inventory and its ``reserved`` every credit reserved in the batch; another holder's
``available`` is what it holds, its ``reserved`` what is reserved for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ledger.errors import AccountNotFound
from ledger.projections.runner import Database, Item, Projection
from ledger.serials import SerialRange, ranges_from_lists, total
from ledger.topics import ACCOUNT_OPENED, BATCH_MOVES
from ledger.views import BalanceLine, BalanceView

ADD = (
    "INSERT INTO balances (holder, batch, available, reserved, retired, cancelled) "
    "VALUES (?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (holder, batch) DO UPDATE SET "
    "available = balances.available + excluded.available, "
    "reserved = balances.reserved + excluded.reserved, "
    "retired = balances.retired + excluded.retired, "
    "cancelled = balances.cancelled + excluded.cancelled"
)


class Balances(Projection):
    """Balances per holder and batch, and the holders (accounts) there are."""

    name = "balances"
    schema = 3  # 2: the cancelled column; 3: each batch's unit
    tables = ("balances", "balance_batches", "balance_holders")
    topics = (ACCOUNT_OPENED, *BATCH_MOVES)
    ddl = (
        "CREATE TABLE IF NOT EXISTS balance_holders (holder TEXT PRIMARY KEY, role TEXT NOT NULL)",
        # position: the batch's Minted notification, so lines list batches in mint order.
        "CREATE TABLE IF NOT EXISTS balance_batches (batch_id TEXT PRIMARY KEY, "
        "batch TEXT NOT NULL UNIQUE, operator TEXT NOT NULL, position BIGINT NOT NULL, "
        "unit TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS balances (holder TEXT NOT NULL, batch TEXT NOT NULL, "
        "available BIGINT NOT NULL, reserved BIGINT NOT NULL, retired BIGINT NOT NULL, "
        "cancelled BIGINT NOT NULL, PRIMARY KEY (holder, batch))",
    )

    def __init__(self) -> None:
        # batch id -> (reference, operator): fixed at mint, so safe to keep across batches.
        self._batches: dict[str, tuple[str, str]] = {}
        # (holder, batch) -> [available, reserved, retired, cancelled] changes of the chunk
        # being applied.
        self._changes: dict[tuple[str, str], list[int]] | None = None

    def apply_chunk(self, tx: Database, items: Sequence[Item]) -> None:
        """Sum the chunk's changes per holder and batch, then write each sum once."""
        self._changes = {}
        try:
            super().apply_chunk(tx, items)
            tx.execute_many(ADD, [[holder, batch, *change]
                                  for (holder, batch), change in self._changes.items()])
        finally:
            self._changes = None

    def _add(self, tx: Database, holder: str, batch: str, available: int, reserved: int,
             retired: int = 0, cancelled: int = 0) -> None:
        if self._changes is None:
            tx.execute(ADD, [holder, batch, available, reserved, retired, cancelled])
            return
        change = self._changes.setdefault((holder, batch), [0, 0, 0, 0])
        change[0] += available
        change[1] += reserved
        change[2] += retired
        change[3] += cancelled

    def opened(self, tx: Database, item: Item) -> None:
        e = item.event
        tx.execute("INSERT INTO balance_holders (holder, role) VALUES (?, ?)", [e.handle, e.role])

    def minted(self, tx: Database, item: Item) -> None:
        e = item.event
        tx.execute(
            "INSERT INTO balance_batches (batch_id, batch, operator, position, unit) "
            "VALUES (?, ?, ?, ?, ?)",
            [str(e.originator_id), e.reference, e.operator, item.notification.id,
             getattr(e, "unit", "t")],
        )
        minted = SerialRange(e.serial_first, e.serial_last).count
        self._add(tx, e.operator, e.reference, minted, 0, 0)

    def reserved(self, tx: Database, item: Item) -> None:
        batch, operator, e, n = self._moved(tx, item)
        self._add(tx, operator, batch, -n, n, 0)
        if e.buyer != operator:
            self._add(tx, e.buyer, batch, 0, n, 0)

    def released(self, tx: Database, item: Item) -> None:
        batch, operator, e, n = self._moved(tx, item)
        self._add(tx, operator, batch, n, -n, 0)
        if e.buyer != operator:
            self._add(tx, e.buyer, batch, 0, -n, 0)

    def settled(self, tx: Database, item: Item) -> None:
        batch, operator, e, n = self._moved(tx, item)
        self._add(tx, operator, batch, 0, -n, 0)
        if e.buyer != operator:
            self._add(tx, e.buyer, batch, 0, -n, 0)
        self._add(tx, e.buyer, batch, n, 0, 0)

    def transferred(self, tx: Database, item: Item) -> None:
        batch, _, e, n = self._moved(tx, item)
        self._add(tx, e.sender, batch, -n, 0, 0)
        self._add(tx, e.recipient, batch, n, 0, 0)

    def retired(self, tx: Database, item: Item) -> None:
        batch, _, e, n = self._moved(tx, item)
        self._add(tx, e.holder, batch, -n, 0, retired=n)

    def retirementreverted(self, tx: Database, item: Item) -> None:
        batch, _, e, n = self._moved(tx, item)
        self._add(tx, e.holder, batch, n, 0, retired=-n)

    def cancelled(self, tx: Database, item: Item) -> None:
        batch, _, e, n = self._moved(tx, item)
        self._add(tx, e.holder, batch, -n, 0, cancelled=n)

    def _moved(self, tx: Database, item: Item) -> tuple[str, str, Any, int]:
        """The batch's reference and operator, the event, and how many credits it moves."""
        batch_id = str(item.event.originator_id)
        if batch_id not in self._batches:
            rows = tx.execute(
                "SELECT batch, operator FROM balance_batches WHERE batch_id = ?", [batch_id]
            )
            self._batches[batch_id] = (rows[0][0], rows[0][1])
        batch, operator = self._batches[batch_id]
        return batch, operator, item.event, total(ranges_from_lists(item.event.blocks))


# --- queries ------------------------------------------------------------------------------


def balance(db: Database, holder: str) -> BalanceView:
    """One holder's credits per batch, in mint order; AccountNotFound for an unknown holder."""
    if not db.execute("SELECT 1 FROM balance_holders WHERE holder = ?", [holder]):
        raise AccountNotFound(f"no account with handle {holder!r}")
    rows = db.execute(
        "SELECT b.batch, b.available, b.reserved, b.retired, b.cancelled, m.unit "
        "FROM balances b "
        "JOIN balance_batches m ON m.batch = b.batch "
        "WHERE b.holder = ? AND (b.available <> 0 OR b.reserved <> 0 OR b.retired <> 0 "
        "OR b.cancelled <> 0) ORDER BY m.position",
        [holder],
    )
    return BalanceView(holder, [
        BalanceLine(r[0], int(r[1]), int(r[2]), int(r[3]), int(r[4]), r[5]) for r in rows])


def balances(db: Database) -> list[BalanceView]:
    """Every holder's balance, holders by handle."""
    holders = db.execute("SELECT holder FROM balance_holders ORDER BY holder")
    return [balance(db, h) for (h,) in holders]
