"""How saves went, per UTC day: commands that wrote, save attempts, conflicts with other
writers retried, and saves given up (``concurrent_update``).

Operational counters beside the projections, not read from the log: each command that
attempted a save adds its unit's counts once, when it closes (one statement). ``ledger
status`` shows the last days. A count that cannot be added (the store went away) is dropped
rather than failing a command whose write already landed; a backup copies the table, a
restore starts it afresh.
"""

from __future__ import annotations

from datetime import date, timedelta

from ledger.errors import LedgerError
from ledger.projections.database import Database
from ledger.views import DayCounts

TABLE = (
    "CREATE TABLE IF NOT EXISTS save_counts (day TEXT PRIMARY KEY, commands BIGINT NOT NULL, "
    "attempts BIGINT NOT NULL, conflicts BIGINT NOT NULL, gave_up BIGINT NOT NULL)"
)
ADD = (
    "INSERT INTO save_counts (day, commands, attempts, conflicts, gave_up) "
    "VALUES (?, 1, ?, ?, ?) ON CONFLICT (day) DO UPDATE SET "
    "commands = save_counts.commands + 1, attempts = save_counts.attempts + excluded.attempts, "
    "conflicts = save_counts.conflicts + excluded.conflicts, "
    "gave_up = save_counts.gave_up + excluded.gave_up"
)
DAYS_SHOWN = 7


def add(db: Database, day: date, attempts: int, conflicts: int, gave_up: int) -> None:
    """Add one command's saves to ``day``'s counts (best effort: see the module)."""
    try:
        try:
            db.execute(ADD, [day.isoformat(), attempts, conflicts, gave_up])
        except LedgerError:  # no table yet (a store made before the counts were kept)
            db.execute(TABLE)
            db.execute(ADD, [day.isoformat(), attempts, conflicts, gave_up])
    except LedgerError:
        pass


def recent(db: Database, today: date, days: int = DAYS_SHOWN) -> list[DayCounts]:
    """The counts of the last ``days`` days up to ``today`` that had any, newest first."""
    since = (today - timedelta(days=days - 1)).isoformat()
    try:
        rows = db.execute("SELECT day, commands, attempts, conflicts, gave_up FROM save_counts "
                          "WHERE day >= ? ORDER BY day DESC", [since])
    except LedgerError:
        return []  # none kept yet
    return [DayCounts(str(r[0]), int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows]
