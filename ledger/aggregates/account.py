"""An account: a holder of credits (operator inventory, buyer, or buffer)."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

ROLES = ("operator", "buyer", "buffer")
ALL_SCOPES = frozenset({1, 2, 3})


class Account(Aggregate):
    """A holder. A buyer carries its eligibility evidence."""

    @event("Opened")
    def __init__(
        self,
        id: UUID,
        handle: str,
        name: str,
        role: str,
        climate_pledge: bool,
        scope_targets: list[int],
    ) -> None:
        self.handle = handle
        self.name = name
        self.role = role
        self.climate_pledge = climate_pledge
        self.scope_targets = sorted(scope_targets)

    @property
    def is_eligible_buyer(self) -> bool:
        """Default policy: a Climate Pledge signatory, or targets covering Scopes 1, 2 and 3."""
        return self.role == "buyer" and (
            self.climate_pledge or set(self.scope_targets) >= ALL_SCOPES
        )

    @property
    def eligibility(self) -> str:
        if self.role != "buyer":
            return f"not a buyer (role {self.role})"
        if self.climate_pledge:
            return "eligible: Climate Pledge signatory"
        if set(self.scope_targets) >= ALL_SCOPES:
            return "eligible: Scope 1, 2 and 3 targets"
        scopes = ",".join(str(s) for s in self.scope_targets) or "none"
        return f"not eligible: no Climate Pledge, scope targets {scopes} (1,2,3 required)"

    @event("EligibilityUpdated")
    def update_eligibility(self, climate_pledge: bool, scope_targets: list[int]) -> None:
        self.climate_pledge = climate_pledge
        self.scope_targets = sorted(scope_targets)
