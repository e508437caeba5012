"""Retirements: every retirement, with its buyer, beneficiary, batch, serial blocks, quantity,
reason, claim period and time; and each buyer's totals by year (of retirement, UTC) and by
source, summed from those rows when asked.
"""

from __future__ import annotations

import json
from typing import Any

from ledger.projections.runner import Database, Item, Projection
from ledger.topics import (
    RETIREMENT_CONFIRMED,
    RETIREMENT_RECORDED,
    RETIREMENT_REVEALED,
    RETIREMENT_REVERTED,
)

COLUMNS = (
    "retirement", "retired_at", "year", "buyer", "holder", "beneficiary", "batch", "source",
    "vintage", "quantity", "unit", "blocks", "reason", "claim_period", "status", "registry_ref",
    "confirmed_at", "purpose", "claim_type", "consumption_country", "consumption_period",
)
TOTALS = {"year": "year", "source": "source"}


class Retirements(Projection):
    """One row per retirement; retirements are final, so rows are only ever inserted."""

    name = "retirements"
    schema = 4  # 2: unit; 3: status and registry_ref; 4: confirmed_at and claim data
    tables = ("retirements",)
    topics = (RETIREMENT_RECORDED, RETIREMENT_CONFIRMED, RETIREMENT_REVERTED,
              RETIREMENT_REVEALED)
    ddl = (
        # The retirement id as primary key: an event applied twice fails instead of counting.
        "CREATE TABLE IF NOT EXISTS retirements (retirement TEXT PRIMARY KEY, "
        "position BIGINT NOT NULL, retired_at TEXT NOT NULL, year INTEGER NOT NULL, "
        "buyer TEXT NOT NULL, holder TEXT NOT NULL, beneficiary TEXT NOT NULL, "
        "batch TEXT NOT NULL, source TEXT NOT NULL, vintage INTEGER NOT NULL, "
        "quantity BIGINT NOT NULL, blocks TEXT NOT NULL, reason TEXT NOT NULL, "
        "claim_period TEXT NOT NULL, unit TEXT NOT NULL, status TEXT NOT NULL, "
        "registry_ref TEXT, confirmed_at TEXT, purpose TEXT, claim_type TEXT, "
        "consumption_country TEXT, consumption_period TEXT)",
        "CREATE INDEX IF NOT EXISTS retirements_by_buyer ON retirements (buyer, year)",
    )

    def recorded(self, tx: Database, item: Item) -> None:
        e = item.event
        tx.execute(
            "INSERT INTO retirements (position, retirement, retired_at, year, buyer, holder, "
            "beneficiary, batch, source, vintage, quantity, blocks, reason, claim_period, unit, "
            "status, purpose, claim_type, consumption_country, consumption_period) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [item.notification.id, str(e.originator_id), e.timestamp.isoformat(),
             e.timestamp.year, e.buyer, e.holder, e.beneficiary, e.batch, e.source, e.vintage,
             e.quantity, json.dumps(e.blocks), e.reason, e.claim_period,
             getattr(e, "unit", "t"), "pending" if getattr(e, "pending", False) else "confirmed",
             *(getattr(e, name, None) for name in ("purpose", "claim_type",
                                                   "consumption_country",
                                                   "consumption_period"))],
        )

    def confirmed(self, tx: Database, item: Item) -> None:
        e = item.event
        tx.execute("UPDATE retirements SET status = 'confirmed', registry_ref = ?, "
                   "confirmed_at = ? WHERE retirement = ?",
                   [e.registry_ref, e.confirmed_at, str(e.originator_id)])

    def revealed(self, tx: Database, item: Item) -> None:
        tx.execute("UPDATE retirements SET beneficiary = ? WHERE retirement = ?",
                   [item.event.beneficiary, str(item.event.originator_id)])

    def reverted(self, tx: Database, item: Item) -> None:
        tx.execute("UPDATE retirements SET status = 'reverted' WHERE retirement = ?",
                   [str(item.event.originator_id)])


def where(buyer: str | None, year: int | None) -> tuple[str, list[Any]]:
    clauses: list[str] = ["1 = 1"]
    params: list[Any] = []
    if buyer is not None:
        clauses.append("buyer = ?")
        params.append(buyer)
    if year is not None:
        clauses.append("year = ?")
        params.append(year)
    return " AND ".join(clauses), params


def page(db: Database, *, buyer: str | None = None, year: int | None = None,
         batch: str | None = None, after: int = 0, limit: int = 100) -> list[dict[str, Any]]:
    """At most ``limit`` retirements after log position ``after`` (of ``buyer``, in ``year``,
    of ``batch``), in log order: the public, paged list. Each row carries its ``position``,
    the cursor of the next page."""
    condition, params = where(buyer, year)
    if batch is not None:
        condition += " AND batch = ?"
        params.append(batch)
    rows = db.execute(
        f"SELECT position, {', '.join(COLUMNS)} FROM retirements WHERE {condition} "
        "AND position > ? ORDER BY position LIMIT ?",
        [*params, after, limit],
    )
    found = [dict(zip(("position", *COLUMNS), r, strict=True)) for r in rows]
    for row in found:
        row["blocks"] = json.loads(row["blocks"])
        row.update({k: int(row[k]) for k in ("position", "year", "vintage", "quantity")})
    return found


def retirements(db: Database, buyer: str | None = None, year: int | None = None) -> list[
    dict[str, Any]
]:
    """Every retirement (of ``buyer``, in ``year``) in log order."""
    condition, params = where(buyer, year)
    rows = db.execute(
        f"SELECT {', '.join(COLUMNS)} FROM retirements WHERE {condition} ORDER BY position",
        params,
    )
    found = [dict(zip(COLUMNS, r, strict=True)) for r in rows]
    for row in found:
        row["blocks"] = json.loads(row["blocks"])
        row.update({k: int(row[k]) for k in ("year", "vintage", "quantity")})
    return found


def totals(
    db: Database, by: str, buyer: str | None = None, year: int | None = None
) -> list[dict[str, Any]]:
    """Credits retired per buyer and ``year`` or ``source`` (and how many retirements), in
    the retirements' unit: a group mixing tonnes and kilograms sums in kilograms. Reverted
    retirements count for nothing; pending ones count."""
    key = TOTALS[by]  # an identifier from our own table, never input
    condition, params = where(buyer, year)
    rows = db.execute(
        f"SELECT buyer, {key}, unit, SUM(quantity), COUNT(*) FROM retirements "
        f"WHERE {condition} AND status <> 'reverted' "
        f"GROUP BY buyer, {key}, unit ORDER BY buyer, {key}, unit",
        params,
    )
    found: dict[tuple[str, Any], dict[str, Any]] = {}
    for b, k, unit, q, c in rows:
        row = found.setdefault((b, k), {"buyer": b, by: k, "quantity": 0, "unit": unit,
                                        "retirements": 0})
        if row["unit"] != unit:  # tonnes and kilograms: in kilograms
            row["quantity"], row["unit"] = row["quantity"] * (1000 if row["unit"] == "t"
                                                              else 1), "kg"
        row["quantity"] += int(q) * (1000 if unit == "t" and row["unit"] == "kg" else 1)
        row["retirements"] += int(c)
    return list(found.values())
