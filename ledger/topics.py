"""The stored topic of every event the ledger reads by name, in one place.

A topic is ``module:QualifiedName`` of the event's class, as eventsourcing stores it; the
verifier, the audit and the projections match stored events by these strings without importing
the domain. They are part of the stored data: moving an aggregate's module would orphan every
stored event, so a test checks that each one still names its class.
"""

from __future__ import annotations

_BATCH = "ledger.aggregates.batch:CreditBatch"
BATCH_MINTED = f"{_BATCH}.Minted"
BATCH_RESERVED = f"{_BATCH}.Reserved"
BATCH_RELEASED = f"{_BATCH}.Released"
BATCH_SETTLED = f"{_BATCH}.Settled"
BATCH_TRANSFERRED = f"{_BATCH}.Transferred"
BATCH_RETIRED = f"{_BATCH}.Retired"
BATCH_CANCELLED = f"{_BATCH}.Cancelled"
BATCH_RETIREMENT_REVERTED = f"{_BATCH}.RetirementReverted"
BATCH_LABEL_APPLIED = f"{_BATCH}.LabelApplied"
BATCH_LABEL_REVOKED = f"{_BATCH}.LabelRevoked"
BATCH_AMENDED = f"{_BATCH}.Amended"
BATCH_REVERSAL_RECORDED = f"{_BATCH}.ReversalRecorded"
BATCH_REPLACEMENT_RECORDED = f"{_BATCH}.ReplacementRecorded"
BATCH_MOVES = (BATCH_MINTED, BATCH_RESERVED, BATCH_RELEASED, BATCH_SETTLED, BATCH_TRANSFERRED,
               BATCH_RETIRED, BATCH_CANCELLED, BATCH_RETIREMENT_REVERTED)
"""The events of a credit batch that mint its serials or move them between pools."""
BATCH_EVENTS = (*BATCH_MOVES, BATCH_LABEL_APPLIED, BATCH_LABEL_REVOKED, BATCH_AMENDED,
                BATCH_REVERSAL_RECORDED, BATCH_REPLACEMENT_RECORDED)
"""Every event of a credit batch: its moves, labels, corrections, reversals and replacements."""

ACCOUNT_OPENED = "ledger.aggregates.account:Account.Opened"
OPERATOR_REGISTERED = "ledger.aggregates.operator:Operator.Registered"
OPERATOR_KEY_ROTATED = "ledger.aggregates.operator:Operator.KeyRotated"
RESERVATION_OPENED = "ledger.aggregates.reservation:Reservation.Opened"
RETIREMENT_RECORDED = "ledger.aggregates.retirement:Retirement.Recorded"
RETIREMENT_CONFIRMED = "ledger.aggregates.retirement:Retirement.Confirmed"
RETIREMENT_REVERTED = "ledger.aggregates.retirement:Retirement.Reverted"
RETIREMENT_REVEALED = "ledger.aggregates.retirement:Retirement.Revealed"
CANCELLATION_RECORDED = "ledger.aggregates.cancellation:Cancellation.Recorded"
