"""Read objects the use cases return: plain values, each with the JSON shape the CLI prints.

Views know their JSON (``to_json``); how they read as text is the command line's business.
"""

from __future__ import annotations

import base64
import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from ledger.errors import LogRolledBack


class View:
    """A dataclass of plain values; its JSON is its fields, nested views included."""

    def to_dict(self) -> dict[str, Any]:
        return {
            f.name: plain(getattr(self, f.name))
            for f in dataclasses.fields(self)  # type: ignore[arg-type]
        }

    def to_json(self) -> Any:
        """The JSON value `--json` prints."""
        return self.to_dict()


def plain(value: Any) -> Any:
    """JSON values for a view's fields, nested views included."""
    if isinstance(value, View):
        return value.to_json()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


@dataclass(frozen=True)
class Block(View):
    batch: str
    first: int
    last: int

    @property
    def count(self) -> int:
        return self.last - self.first + 1

    def __str__(self) -> str:
        return f"{self.batch} {self.first}-{self.last}"


@dataclass(frozen=True)
class MintView(View):
    batch: str
    source: str
    quantity: int
    serial_first: int
    serial_last: int
    scope: str
    unit: str = "t"
    """What one credit (and one serial) is: ``t`` (tonne of CO2e) or ``kg``."""


@dataclass(frozen=True)
class AccountView(View):
    handle: str
    name: str
    role: str
    climate_pledge: bool
    scope_targets: list[int]
    eligibility: str


@dataclass(frozen=True)
class ReservationView(View):
    reservation: str
    buyer: str
    quantity: int
    blocks: list[Block]
    expires_at: datetime
    status: str
    unit: str = "t"


@dataclass(frozen=True)
class TransferView(View):
    transfer: str
    batch: str
    sender: str
    recipient: str
    quantity: int
    blocks: list[Block]
    unit: str = "t"


@dataclass(frozen=True)
class RetirementView(View):
    retirement: str
    batch: str
    source: str
    vintage: int
    holder: str
    buyer: str
    beneficiary: str
    reason: str
    claim_period: str
    quantity: int
    blocks: list[Block]
    retired_at: datetime
    labels: list[str]
    replaces: str | None = None
    """The retirement this one replaces after a reversal of its batch."""
    unit: str = "t"
    status: str = "confirmed"
    """``pending`` until the registry shows it, then ``confirmed``; or ``reverted``."""
    registry_ref: str | None = None
    """The registry's own id of the retirement, once confirmed."""
    registry_url: str | None = None
    confirmed_at: str | None = None
    claim: dict[str, str] = dataclasses.field(default_factory=dict)
    hidden_until: str | None = None
    """Until when the beneficiary is kept out of everything published (None: shown)."""
    """Claim data given on retire: purpose, claim_type, consumption_country,
    consumption_period, public_note."""


@dataclass(frozen=True)
class CancellationView(View):
    """A cancellation; ``type`` is what it was for (compliance, correction, ...)."""

    cancellation: str
    type: str
    batch: str
    source: str
    vintage: int
    holder: str
    reason: str
    details: str
    quantity: int
    blocks: list[Block]
    cancelled_at: datetime
    labels: list[str]
    unit: str = "t"


@dataclass(frozen=True)
class BatchView(View):
    batch: str
    source: str
    registry: str
    issuance_id: str
    scope: str
    vintage: int
    serial_first: int
    serial_last: int
    minted: int
    available: int
    reserved: int
    held: int
    retired: int
    cancelled: int
    holders: dict[str, int]
    buffer: int
    """Credits the issuance deposited in the registry's buffer pool (not minted here)."""
    reversed: int
    """Tonnes reported lost in reversals."""
    replaced: int
    """Credits of other batches retired to replace retirements of this one."""
    labels: dict[str, str]
    """The labels carried now, each with the day it took effect."""
    label_history: list[dict[str, str]]
    """Every change: label, ``applied`` or ``revoked``, evidence, effective day."""
    document: dict[str, Any]
    """The issuance document as amended: the signed one with each amendment applied."""
    amendments: list[dict[str, Any]]
    """Every amendment: field, the value before (``from``) and after (``to``), evidence."""
    unit: str = "t"
    """What one credit (and one serial) is: ``t`` (tonne of CO2e) or ``kg``."""


@dataclass(frozen=True)
class ReversalView(View):
    """A reported loss recorded on a batch, and where the batch's reversals stand."""

    reversal: str
    batch: str
    quantity: int
    evidence: str
    reversed: int
    replaced: int
    unit: str = "t"


@dataclass(frozen=True)
class AmendmentView(View):
    """One field of a batch's issuance data corrected: both values, and why."""

    batch: str
    field: str
    old: Any
    new: Any
    evidence: str


@dataclass(frozen=True)
class LabelView(View):
    """A label applied to or revoked from a batch, and the labels the batch carries after."""

    batch: str
    label: str
    change: str
    evidence: str
    effective: str
    labels: list[str]


@dataclass(frozen=True)
class BalanceLine(View):
    batch: str
    available: int
    reserved: int
    retired: int
    cancelled: int
    unit: str = "t"


@dataclass(frozen=True)
class BalanceView(View):
    holder: str
    batches: list[BalanceLine]


@dataclass(frozen=True)
class InitView(View):
    store: str
    key_dir: str
    key_created: bool
    origin: str
    operator: str
    verifier_key: str


@dataclass(frozen=True)
class BackupView(View):
    """A copy of the store: where it went, and the log it holds."""

    backup: str
    store: str
    events: int
    tree_size: int
    checkpoint: int
    bytes: int
    seconds: float


@dataclass(frozen=True)
class HeldView(View):
    """A checkpoint held outside the store, against a restored log: ``extended`` when the log
    holds it, else ``lost`` (events the restore lost) or ``rewritten`` (another root)."""

    source: str
    tree_size: int
    status: str
    lost: int


@dataclass(frozen=True)
class RestoreView(View):
    """A store restored from a backup, and every held checkpoint it was compared with."""

    backup: str
    store: str
    events: int
    tree_size: int
    checkpoint: int
    held: list[HeldView]

    def findings(self) -> LogRolledBack | None:
        """``log_rolled_back`` when the restored log does not extend a held checkpoint."""
        behind = [h for h in self.held if h.status != "extended"]
        if not behind:
            return None
        first = behind[0]
        what = (f"{first.lost} events lost" if first.status == "lost"
                else "another root there: the log was rewritten")
        return LogRolledBack(
            f"expected the restored log to extend {first.source} (tree size "
            f"{first.tree_size}), found a log of tree size {self.tree_size}: {what}; the "
            f"restored store stays in place to be inspected ({len(behind)} of "
            f"{len(self.held)} held checkpoints not extended)")


@dataclass(frozen=True)
class KeyView(View):
    verifier_key: str
    key_id: str
    key_dir: str


@dataclass(frozen=True)
class RotationView(View):
    old_key_id: str
    new_key_id: str
    verifier_key: str
    switch_at: datetime


@dataclass(frozen=True)
class TrustExportView(View):
    file: str
    keys: int


@dataclass(frozen=True)
class SupplyView(View):
    """Supply grouped ``by`` batch, source or vintage; its JSON is the list of rows."""

    by: str
    keys: list[str]
    rows: list[dict[str, Any]]

    def to_json(self) -> Any:
        return self.rows


@dataclass(frozen=True)
class RetirementsView(View):
    retirements: list[dict[str, Any]]
    totals_by_year: list[dict[str, Any]]
    totals_by_source: list[dict[str, Any]]


@dataclass(frozen=True)
class ProjectionStatus(View):
    """A projection's position and how far it lags the log's head (position None: never
    built)."""

    projection: str
    position: int | None
    head: int
    lag: int


@dataclass(frozen=True)
class DayCounts(View):
    """One UTC day's saves: commands that tried one, attempts, conflicts with other writers
    retried, and saves given up (``concurrent_update``)."""

    day: str
    commands: int
    attempts: int
    conflicts: int
    gave_up: int


@dataclass(frozen=True)
class StatusView(View):
    """Every projection's status, and how saves went on the last days that had any
    (:mod:`ledger.projections.save_counts`), newest first."""

    projections: list[ProjectionStatus]
    saves: list[DayCounts] | None = None
    """None where saves are not asked about (``ledger project``)."""

    def to_json(self) -> Any:
        shown: dict[str, Any] = {"projections": [p.to_json() for p in self.projections]}
        if self.saves is not None:
            shown["saves"] = [d.to_json() for d in self.saves]
        return shown


@dataclass(frozen=True)
class CheckpointView(View):
    """A signed checkpoint: its tree size and root (base64 in JSON), the key and time it was
    signed with, and the signed note itself."""

    tree_size: int
    root_hash: bytes
    key_id: str
    signed_at: datetime
    note: str


@dataclass(frozen=True)
class CheckpointsView(View):
    """Every signed checkpoint, oldest first; its JSON is the list."""

    checkpoints: list[CheckpointView]

    def to_json(self) -> Any:
        return [c.to_json() for c in self.checkpoints]


@dataclass(frozen=True)
class ConsistencyView(View):
    """The RFC 9162 consistency proof between two signed tree sizes (base64 hashes)."""

    old_size: int
    new_size: int
    proof: list[str]


@dataclass
class ImportReport(View):
    """How far an import got: lines read, operations applied, transactions committed."""

    lines: int = 0
    operations: int = 0
    transactions: int = 0
    retries: int = 0
    seconds: float = 0.0

    def to_json(self) -> Any:
        rate = self.operations / self.seconds if self.seconds else 0.0
        return {"lines": self.lines, "operations": self.operations,
                "transactions": self.transactions, "retries": self.retries,
                "seconds": round(self.seconds, 3), "operations_per_second": round(rate, 1)}


@dataclass(frozen=True)
class PublishView(View):
    """What ``ledger publish`` wrote: the checkpoint's tree size and how many files."""

    directory: str
    tree_size: int
    files: int


@dataclass(frozen=True)
class MonitorView(View):
    """What ``ledger monitor`` verified: the log grew from ``old_size`` (0 on the first run) to
    ``tree_size`` consistently, and its ``new_entries`` hash to the served tiles."""

    url: str
    origin: str
    old_size: int
    tree_size: int
    new_entries: int
    state: str
    cosigned_by: list[str] = dataclasses.field(default_factory=list)

    def __str__(self) -> str:
        return (f"{self.url}: {self.origin} grew consistently from tree size {self.old_size} "
                f"to {self.tree_size} ({self.new_entries} new entries checked against the "
                f"tiles)" + (f", cosigned by {', '.join(self.cosigned_by)}"
                             if self.cosigned_by else "") + f"; kept in {self.state}")
