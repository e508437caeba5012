"""Retirement certificates: one printable page a buyer can hand on, with the retirement's facts,
its status and registry reference, and its proof inside, checkable offline."""

from __future__ import annotations

from dataclasses import dataclass

from ledger.errors import InvalidArgument
from ledger.serials.native import native_range
from ledger.transparency.bundle import bundle_json
from ledger.usecases import checkpoints, reads
from ledger.usecases.unit import UnitOfWork
from ledger.views import BatchView, RetirementView, View


@dataclass(frozen=True)
class Certificate(View):
    """What a certificate shows: the retirement, its batch, the serials as the registry writes
    them, the proof file's bytes, the operator's current verifier key (after a rotation, a
    proof signed before it verifies with the operator's trust list), and (with a base URL) the
    public page's address."""

    retirement: RetirementView
    batch: BatchView
    serials: list[str]
    proof: bytes
    verifier_key: str
    page_url: str | None


def certificate(uow: UnitOfWork, *, retirement: str, base_url: str | None = None) -> Certificate:
    """The certificate of ``retirement`` (by id or key), its proof made now (a checkpoint
    signed first when none covers it yet)."""
    if base_url is not None and not base_url.startswith("https://"):
        raise InvalidArgument(f"--base-url: expected an https:// address, found {base_url!r}")
    view = reads.show_retirement(uow, retirement=retirement)
    if view.status == "reverted":
        raise InvalidArgument(f"retirement {view.retirement}: expected a retirement that "
                              "stands, found it reverted")
    batch = reads.show_batch(uow, batch=view.batch)
    proof = bundle_json(checkpoints.prove_retirement(uow, retirement=retirement))
    serials = [native_range(batch.registry, batch.scope, b.first, b.last) for b in view.blocks]
    url = None if base_url is None else f"{base_url.rstrip('/')}/retirements/{view.retirement}"
    return Certificate(view, batch, serials, proof, uow.load_operator().verifier_keys[-1], url)
