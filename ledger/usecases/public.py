"""What the public may see: retirements with their proofs, batches and supply; never a
holder's balance, reservations or accounts (resellers disclose no volumes per buyer).

Every read here is of what is stored: nothing is caught up or signed, so it runs unchanged on
a read-only hot standby.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

from ledger.errors import NotCheckpointed
from ledger.projections import merkle_log, retirements
from ledger.serials.native import native_range
from ledger.transparency.bundle import bundle_json
from ledger.usecases import checkpoints, reads
from ledger.usecases.unit import UnitOfWork
from ledger.views import RetirementView, View

MAX_PAGE = 500
"""The most retirements one page lists."""


@dataclass(frozen=True)
class PublicRetirement(View):
    """A retirement as its public page shows it: the signed facts, the project they came from,
    the serials in the registry's own form, where the event sits in the log, and its proof
    (None until a signed checkpoint covers it)."""

    retirement: RetirementView
    registry: str
    project: dict[str, Any]
    labels: list[str]
    native_serials: list[str]
    leaf_index: int | None
    event_sha256: str
    checkpoint_size: int | None
    checkpoint_root: str | None
    proof: bytes | None

    def to_json(self) -> Any:
        body = {k: v for k, v in self.to_dict().items() if k != "proof"}
        body["proof_available"] = self.proof is not None
        return body


@dataclass(frozen=True)
class RetirementPage(View):
    """One page of retirements in log order, and the cursor of the next (None: the last)."""

    retirements: list[dict[str, Any]]
    next_cursor: str | None


def retirement_page(uow: UnitOfWork, *, buyer: str | None = None, year: int | None = None,
                    batch: str | None = None, cursor: str | None = None,
                    limit: int = 100) -> RetirementPage:
    """Retirements in log order, ``limit`` at a time; ``cursor`` continues a listing."""
    rows = retirements.page(uow.db, buyer=buyer, year=year, batch=batch,
                            after=int(cursor or 0), limit=min(limit, MAX_PAGE))
    last = rows[-1].pop("position") if rows else None
    for row in rows:
        row.pop("position", None)
    return RetirementPage(rows, str(last) if len(rows) == limit and last else None)


def retirement(uow: UnitOfWork, *, retirement: str) -> PublicRetirement:
    """Everything the public page of a retirement shows."""
    view = reads.show_retirement(uow, retirement=retirement)
    batch = reads.show_batch(uow, batch=view.batch)
    retirement_id = uow.load_retirement(retirement).id
    recorded = uow.events.recorder.select_events(retirement_id, lte=1)[0]
    payload = bytes(recorded.state).rpartition(b"\n")[0]
    leaf = merkle_log.leaf_of(uow.db, retirement_id, 1)
    try:
        bundle = checkpoints.read_proof(uow, retirement=retirement)
        proof: bytes | None = bundle_json(bundle)
        size: int | None = bundle.tree_size
        root: str | None = base64.b64encode(
            merkle_log.checkpoint_at(uow.db, bundle.tree_size).root_hash).decode()
    except NotCheckpointed:
        proof, size, root = None, None, None
    document = batch.document
    return PublicRetirement(
        retirement=view,
        registry=batch.registry,
        project=dict(document.get("project", {})),
        # The labels the signed retirement recorded; one recorded before labels existed shows
        # the issuance document's own.
        labels=list(view.labels) or list(document.get("labels", [])),
        native_serials=[native_range(batch.registry, batch.scope, b.first, b.last)
                        for b in view.blocks],
        leaf_index=leaf.index if leaf else None,
        event_sha256=hashlib.sha256(payload).hexdigest(),
        checkpoint_size=size,
        checkpoint_root=root,
        proof=proof,
    )


def batch(uow: UnitOfWork, *, batch: str) -> dict[str, Any]:
    """A batch's supply and issuance document, without who holds how much."""
    body: dict[str, Any] = reads.show_batch(uow, batch=batch).to_json()
    body.pop("holders")
    return body
