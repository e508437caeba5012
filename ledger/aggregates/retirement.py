"""A retirement: credits used up on behalf of a beneficiary. Never edited.

It is ``pending`` until the registry shows it: then ``confirmed``, with the registry's own
reference, or, while still pending, ``reverted`` (its credits go back to the holder). Its
``Recorded`` event is what a retirement proof carries, signed, to the buyer. A retirement
recorded before confirmations existed was final when recorded: it reads as confirmed, with no
registry reference.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.errors import CommitmentMismatch, NothingHidden, RetirementNotPending

PENDING, CONFIRMED, REVERTED = "pending", "confirmed", "reverted"
CLAIM_FIELDS = ("purpose", "claim_type", "consumption_country", "consumption_period",
                "public_note")
"""Claim data a retirement may carry (checked by ledger.usecases.claim_data)."""


class Retirement(Aggregate):
    @event("Recorded")
    def __init__(
        self,
        id: UUID,
        batch: str,
        source: str,
        vintage: int,
        holder: str,
        buyer: str,
        beneficiary: str,
        reason: str,
        claim_period: str,
        quantity: int,
        blocks: list[list[int]],
        idempotency_key: str | None,
        labels: list[str] | None = None,
        replaces: str | None = None,
        unit: str = "t",
        pending: bool = False,
        purpose: str | None = None,
        claim_type: str | None = None,
        consumption_country: str | None = None,
        consumption_period: str | None = None,
        public_note: str | None = None,
        beneficiary_commitment: str | None = None,
        hidden_until: str | None = None,
    ) -> None:
        self.batch = batch
        self.source = source
        self.vintage = vintage
        self.holder = holder
        self.buyer = buyer
        self.beneficiary = beneficiary
        self.reason = reason
        self.claim_period = claim_period
        self.quantity = quantity
        self.blocks = blocks
        self.idempotency_key = idempotency_key
        # The labels the batch carried at that moment (absent from events recorded before
        # labels existed).
        self.labels = labels or []
        # The retirement this one replaces after a reversal of its batch, if any.
        self.replaces = replaces
        self.unit = unit  # of quantity and blocks: the batch's ("t" when not recorded)
        # Claim data, as the buyer's auditor asks for it (each absent when not given).
        self.purpose = purpose
        self.claim_type = claim_type
        self.consumption_country = consumption_country
        self.consumption_period = consumption_period
        self.public_note = public_note
        # A hidden beneficiary: the event says only until when, and commits to the name.
        self.beneficiary_commitment = beneficiary_commitment
        self.hidden_until = hidden_until
        self.status = PENDING if pending else CONFIRMED
        self.registry_ref: str | None = None
        self.registry_url: str | None = None
        self.confirmed_at: str | None = None
        self.reverted_because: str | None = None

    def confirm(self, registry_ref: str, registry_url: str | None, confirmed_at: str) -> None:
        if self.status != PENDING:
            raise RetirementNotPending(
                f"retirement {self.id}: expected a pending retirement to confirm, found it "
                f"{self.status}" + (f" ({self.registry_ref})" if self.registry_ref else ""))
        self._confirmed(registry_ref, registry_url, confirmed_at)

    def revert(self, reason: str) -> None:
        if self.status != PENDING:
            raise RetirementNotPending(
                f"retirement {self.id}: expected a pending retirement to revert, found it "
                f"{self.status}")
        self._reverted(reason)

    def reveal(self, beneficiary: str, salt: str, commitment: str) -> None:
        """Reveal the hidden beneficiary; ``commitment`` is what the name and salt hash to."""
        if self.hidden_until is None:
            raise NothingHidden(f"retirement {self.id}: expected a hidden beneficiary to "
                                "reveal, found none hidden")
        if commitment != self.beneficiary_commitment:
            raise CommitmentMismatch(f"retirement {self.id}: expected the kept name to match "
                                     "the signed commitment, found another")
        self._revealed(beneficiary, salt)

    @event("Revealed")
    def _revealed(self, beneficiary: str, salt: str) -> None:
        self.beneficiary = beneficiary
        self.hidden_until = None

    @event("Confirmed")
    def _confirmed(self, registry_ref: str, registry_url: str | None, confirmed_at: str) -> None:
        self.status = CONFIRMED
        self.registry_ref, self.registry_url = registry_ref, registry_url
        self.confirmed_at = confirmed_at

    @event("Reverted")
    def _reverted(self, reason: str) -> None:
        self.status = REVERTED
        self.reverted_because = reason
