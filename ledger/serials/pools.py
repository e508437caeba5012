"""The pools a batch's serials are in: each minted serial is in exactly one.

Named here, beside the serials, so that a projection or a report counting them needs not
import the batch aggregate (and eventsourcing with it).
"""

from __future__ import annotations

AVAILABLE = "available"
RESERVED = "reserved"
RETIRED = "retired"
CANCELLED = "cancelled"
HELD = "held:"
"""The prefix of a holder's pool (``held:<handle>``)."""
POOLS = ("available", "reserved", "held", "retired", "cancelled")
"""The totals every minted credit is counted in exactly once (held: every holder together)."""
