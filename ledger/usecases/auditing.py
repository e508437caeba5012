"""Audit: the operator's check of everything, replaying the whole log alone."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from ledger.audit.report import AuditReport
from ledger.audit.run import audit as run_audit
from ledger.progress import Progress, silent
from ledger.signing.keys import read_trust
from ledger.usecases.unit import UnitOfWork


def audit(uow: UnitOfWork, *, trust: Path | None = None, jobs: int = 1,
          upto: int | None = None, as_of: datetime | None = None, fail_fast: bool = False,
          progress: Progress = silent) -> AuditReport:
    """Replay every event and check signatures, keys, links, invariants, checkpoints and the
    stored projections (or, with ``upto`` / ``as_of``, the ledger as it stood then). Trusts
    the key directory's keys unless given a trust list."""
    trusted = read_trust(trust)[1] if trust else list(uow.keyring.trusted.values())
    return run_audit(uow.events, uow.db, trusted, jobs=jobs, upto=upto, as_of=as_of,
                     fail_fast=fail_fast, progress=progress)
