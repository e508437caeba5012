"""Supply: per batch, credits minted, available, reserved, held, retired and cancelled, with
the conservation invariant ``minted = available + reserved + held + retired + cancelled``
checked on every update. Rollups by source and vintage are sums of batch rows, computed when
asked, so they cannot drift from them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ledger.errors import ConservationViolated, InvalidArgument
from ledger.projections.runner import Database, Item, Projection
from ledger.serials import SerialRange, ranges_from_lists, total
from ledger.serials.pools import POOLS
from ledger.topics import BATCH_MOVES, BATCH_REVERSAL_RECORDED

COUNTS = ("minted", *POOLS, "buffer", "reversed")
"""What supply counts: ``minted`` and its pools (which add up to it), then the issuance's
buffer (deposited in the registry's pool, not minted here) and the tonnes reported reversed."""
ROW_NAMES = ("batch", "minted", *POOLS)
"""The names of what ROW and MOVE return."""
# --by: the keys of each group (batches list in mint order, groups by key).
GROUPS = {
    "batch": ("batch", "source", "vintage"),
    "source": ("source",),
    "vintage": ("vintage",),
}

ROW = ("SELECT batch, minted, available, reserved, held, retired, cancelled FROM supply "
       "WHERE batch_id = ?")
MOVE = (
    "UPDATE supply SET available = available + ?, reserved = reserved + ?, held = held + ?, "
    "retired = retired + ?, cancelled = cancelled + ? WHERE batch_id = ? "
    "RETURNING batch, minted, available, reserved, held, retired, cancelled"
)
STORE = ("UPDATE supply SET available = ?, reserved = ?, held = ?, retired = ?, cancelled = ? "
         "WHERE batch_id = ?")


class Supply(Projection):
    """Where each batch's credits are: one row per batch."""

    name = "supply"
    schema = 4  # 2: the cancelled column; 3: buffer and reversed; 4: unit
    tables = ("supply",)
    topics = (*BATCH_MOVES, BATCH_REVERSAL_RECORDED)
    ddl = (
        # position: the batch's Minted notification, so batches list in mint order.
        "CREATE TABLE IF NOT EXISTS supply (batch_id TEXT PRIMARY KEY, "
        "batch TEXT NOT NULL UNIQUE, source TEXT NOT NULL, vintage INTEGER NOT NULL, "
        "operator TEXT NOT NULL, position BIGINT NOT NULL, minted BIGINT NOT NULL, "
        "available BIGINT NOT NULL, reserved BIGINT NOT NULL, held BIGINT NOT NULL, "
        "retired BIGINT NOT NULL, cancelled BIGINT NOT NULL, buffer BIGINT NOT NULL, "
        "reversed BIGINT NOT NULL, unit TEXT NOT NULL)",
    )

    def __init__(self) -> None:
        # batch id -> operator: fixed at mint, so safe to keep across batches.
        self._operators: dict[str, str] = {}
        # batch id -> its row (batch, *COUNTS) as the chunk being applied leaves it.
        self._rows: dict[str, dict[str, Any]] | None = None

    def apply_chunk(self, tx: Database, items: Sequence[Item]) -> None:
        """Move credits between pools in memory, checking conservation after every event as
        before, then write each changed batch's row once."""
        self._rows = {}
        try:
            super().apply_chunk(tx, items)
            tx.execute_many(STORE, [[*(row[p] for p in POOLS), batch_id]
                                    for batch_id, row in self._rows.items()])
        finally:
            self._rows = None

    def minted(self, tx: Database, item: Item) -> None:
        e = item.event
        minted = SerialRange(e.serial_first, e.serial_last).count
        tx.execute(
            "INSERT INTO supply (batch_id, batch, source, vintage, operator, position, minted, "
            "available, reserved, held, retired, cancelled, buffer, reversed, unit) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 0, ?, 0, ?)",
            [str(e.originator_id), e.reference, e.source, e.vintage, e.operator,
             item.notification.id, minted, minted, int(e.document.get("buffer_quantity", 0)),
             getattr(e, "unit", "t")],
        )

    def reserved(self, tx: Database, item: Item) -> None:
        self._move(tx, item, "available", "reserved")

    def released(self, tx: Database, item: Item) -> None:
        self._move(tx, item, "reserved", "available")

    def settled(self, tx: Database, item: Item) -> None:
        self._move(tx, item, "reserved", self._pool(tx, item, item.event.buyer))

    def transferred(self, tx: Database, item: Item) -> None:
        e = item.event
        self._move(tx, item, self._pool(tx, item, e.sender), self._pool(tx, item, e.recipient))

    def retired(self, tx: Database, item: Item) -> None:
        self._move(tx, item, self._pool(tx, item, item.event.holder), "retired")

    def retirementreverted(self, tx: Database, item: Item) -> None:
        self._move(tx, item, "retired", self._pool(tx, item, item.event.holder))

    def cancelled(self, tx: Database, item: Item) -> None:
        self._move(tx, item, self._pool(tx, item, item.event.holder), "cancelled")

    def reversalrecorded(self, tx: Database, item: Item) -> None:
        tx.execute("UPDATE supply SET reversed = reversed + ? WHERE batch_id = ?",
                   [item.event.quantity, str(item.event.originator_id)])

    def _pool(self, tx: Database, item: Item, holder: str) -> str:
        """The operator's unreserved credits are available; anyone else's are held."""
        batch_id = str(item.event.originator_id)
        if batch_id not in self._operators:
            rows = tx.execute("SELECT operator FROM supply WHERE batch_id = ?", [batch_id])
            self._operators[batch_id] = rows[0][0]
        return "available" if holder == self._operators[batch_id] else "held"

    def _move(self, tx: Database, item: Item, from_pool: str, to_pool: str) -> None:
        n = total(ranges_from_lists(item.event.blocks))
        batch_id = str(item.event.originator_id)
        if self._rows is None:
            change = {pool: 0 for pool in POOLS}
            change[from_pool] -= n
            change[to_pool] += n
            rows = tx.execute(MOVE, [*change.values(), batch_id])
            check(dict(zip(ROW_NAMES, rows[0], strict=True)), item)
            return
        if batch_id not in self._rows:
            rows = tx.execute(ROW, [batch_id])
            self._rows[batch_id] = dict(zip(ROW_NAMES, rows[0], strict=True))
        row = self._rows[batch_id]
        row[from_pool] = int(row[from_pool]) - n
        row[to_pool] = int(row[to_pool]) + n
        check(row, item)


def check(row: dict[str, Any], item: Item) -> None:
    """Conservation: every minted credit is in exactly one pool, and no pool is negative."""
    pools = [int(row[p]) for p in POOLS]
    where = f"batch {row['batch']} after notification {item.notification.id}"
    if min(pools) < 0:
        found = ", ".join(f"{p} {n}" for p, n in zip(POOLS, pools, strict=True))
        raise ConservationViolated(f"{where}: expected no negative pool, found {found}")
    if sum(pools) != int(row["minted"]):
        raise ConservationViolated(
            f"{where}: expected minted {row['minted']} = {' + '.join(POOLS)}, "
            f"found {' + '.join(map(str, pools))} = {sum(pools)}"
        )


# --- queries ------------------------------------------------------------------------------


def supply(db: Database, by: str = "batch") -> list[dict[str, Any]]:
    """Supply per batch (in mint order), or summed by ``source`` or ``vintage``. Every row
    names its ``unit``: a group of batches in one unit sums in it; a group mixing tonnes and
    kilograms sums in kilograms (a tonne is 1,000), so no figure adds unlike units."""
    if by not in GROUPS:
        raise InvalidArgument(f"--by: expected one of {', '.join(GROUPS)}, found {by!r}")
    rows = db.execute(
        "SELECT batch, source, vintage, unit, minted, available, reserved, held, retired, "
        "cancelled, buffer, reversed FROM supply ORDER BY position")
    batches = [{"batch": r[0], "source": r[1], "vintage": int(r[2]), "unit": r[3],
                **{c: int(v) for c, v in zip(COUNTS, r[4:], strict=True)}} for r in rows]
    if by == "batch":
        return batches
    key = GROUPS[by][0]
    groups: dict[Any, list[dict[str, Any]]] = {}
    for row in batches:
        groups.setdefault(row[key], []).append(row)
    summed = []
    for value, members in sorted(groups.items()):
        unit = members[0]["unit"] if len({m["unit"] for m in members}) == 1 else "kg"
        scale = {m["batch"]: 1000 if m["unit"] == "t" and unit == "kg" else 1 for m in members}
        summed.append({key: value, "unit": unit, **{
            c: sum(m[c] * scale[m["batch"]] for m in members) for c in COUNTS}})
    return summed
