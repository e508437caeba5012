"""What an audit found: counts, and every problem with where it is and expected vs found."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ledger.errors import AuditFailed


@dataclass(frozen=True)
class Problem:
    """One thing wrong. ``kind`` is the stable code of the error in ``ledger.errors`` that names
    it: signature_invalid, unknown_key, key_not_valid, chain_broken, conservation_violated,
    checkpoint_invalid, checkpoint_mismatch, log_rolled_back, merkle_mismatch,
    projection_mismatch, projection_behind."""

    kind: str
    position: int | None
    aggregate: str | None
    version: int | None
    expected: str
    found: str

    def line(self) -> str:
        where = " ".join(p for p in (
            f"position {self.position}" if self.position is not None else "",
            f"aggregate {self.aggregate}" if self.aggregate else "",
            f"version {self.version}" if self.version is not None else "",
        ) if p)
        return f"{self.kind}: {where}: expected {self.expected}, found {self.found}"


@dataclass
class AuditReport:
    events: int = 0
    last_position: int = 0
    aggregates: int = 0
    signatures_checked: int = 0
    checkpoints_checked: int = 0
    invariant_checks: int = 0
    commitments_checked: int = 0
    """Revealed beneficiaries checked against the commitment their retirement signed."""
    projection_rows_compared: int = 0
    seconds: float = 0.0
    stopped_at: str | None = None
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    as_of: dict[str, Any] | None = None

    @property
    def clean(self) -> bool:
        return not self.problems

    def findings(self) -> AuditFailed | None:
        """The error the audit ends with: None when clean."""
        if self.clean:
            return None
        kinds = sorted({p.kind for p in self.problems})
        return AuditFailed(f"expected a clean log, found {len(self.problems)} problems "
                           f"({', '.join(kinds)}); the first: {self.problems[0].line()}")

    def to_json(self) -> dict[str, Any]:
        return self.to_dict()

    def to_dict(self) -> dict[str, Any]:
        body = asdict(self)
        body["clean"] = self.clean
        body["events_per_second"] = round(self.events / self.seconds) if self.seconds else None
        return body

    def summary(self) -> str:
        rate = f"{self.events / self.seconds:,.0f} events/s" if self.seconds else "-"
        lines = [
            f"audit {'clean' if self.clean else 'FAILED'}: {self.events} events "
            f"(to position {self.last_position}), {self.aggregates} aggregates, "
            f"{self.signatures_checked} signatures, {self.checkpoints_checked} checkpoints, "
            f"{self.invariant_checks} invariant checks, {self.projection_rows_compared} "
            f"projection rows compared, {self.seconds:.2f} s ({rate})",
            *[f"note: {n}" for n in self.notes],
            *[f"problem {p.line()}" for p in self.problems],
        ]
        if self.stopped_at:
            lines.insert(1, f"stopped at {self.stopped_at}")
        return "\n".join(lines)
