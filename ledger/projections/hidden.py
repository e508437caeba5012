"""Hidden beneficiaries: the clear text of a beneficiary kept out of the log until its date.

The signed Retirement event carries only a salted SHA-256 commitment; the name and its salt
live in this private table, beside the events but never in them, never in tiles or proofs, and
never served. The operator backs it up with the store (`ledger backup` copies it). Revealing
appends a signed event with the name and the salt, which anyone can check against the
commitment.
"""

from __future__ import annotations

import secrets

from ledger.projections.database import Database
from ledger.transparency.bundle import commitment as salted_hash

TABLE = (
    "CREATE TABLE IF NOT EXISTS hidden_beneficiaries (retirement TEXT PRIMARY KEY, "
    "beneficiary TEXT NOT NULL, salt TEXT NOT NULL, hidden_until TEXT NOT NULL)"
)


def commitment(beneficiary: str, salt: str) -> str:
    """SHA-256 over the salt (hex) and the UTF-8 name, hex: what the signed event carries
    (:func:`ledger.transparency.bundle.commitment`, the one proofs are checked with)."""
    found = salted_hash(beneficiary, salt)
    if found is None:
        raise ValueError("expected a salt of 32 hex digits and a name UTF-8 can write")
    return found


def keep(db: Database, retirement: str, beneficiary: str, hidden_until: str) -> str:
    """Keep ``beneficiary`` for ``retirement`` (once: asked again, the first salt is kept);
    the salt."""
    with db.locked("hidden_beneficiaries") as tx:
        tx.execute(TABLE)
        rows = tx.execute("SELECT beneficiary, salt FROM hidden_beneficiaries "
                          "WHERE retirement = ?", [retirement])
        if rows and rows[0][0] == beneficiary:
            return str(rows[0][1])
        salt = secrets.token_hex(16)
        tx.execute("DELETE FROM hidden_beneficiaries WHERE retirement = ?", [retirement])
        tx.execute("INSERT INTO hidden_beneficiaries (retirement, beneficiary, salt, "
                   "hidden_until) VALUES (?, ?, ?, ?)",
                   [retirement, beneficiary, salt, hidden_until])
        return salt


def due(db: Database, today: str) -> list[tuple[str, str, str]]:
    """(retirement, beneficiary, salt) of every beneficiary hidden until ``today`` or before."""
    with db.locked("hidden_beneficiaries") as tx:
        tx.execute(TABLE)
        rows = tx.execute("SELECT retirement, beneficiary, salt FROM hidden_beneficiaries "
                          "WHERE hidden_until <= ? ORDER BY retirement", [today])
    return [(str(r), str(b), str(s)) for r, b, s in rows]
