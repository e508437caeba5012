"""Audit: the operator's check of everything, replaying the whole log alone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from ledger.audit.report import AuditReport
from ledger.audit.run import audit as run_audit
from ledger.errors import FileNotFound, LedgerError, ProofMalformed
from ledger.progress import Progress, silent
from ledger.signing.keys import read_trust
from ledger.transparency.bundle import MAX_FILE_BYTES, parse_bundle
from ledger.transparency.tlog_proof import HEADER, parse_tlog_proof
from ledger.usecases.unit import UnitOfWork


def audit(uow: UnitOfWork, *, trust: Path | None = None, jobs: int = 1,
          upto: int | None = None, as_of: datetime | None = None, fail_fast: bool = False,
          checkpoints: Sequence[Path] = (), allow_lag: bool = False,
          progress: Progress = silent) -> AuditReport:
    """Replay every event and check signatures, keys, links, invariants, checkpoints and the
    stored projections (or, with ``upto`` / ``as_of``, the ledger as it stood then). Trusts
    the key directory's keys unless given a trust list.

    The log must extend every checkpoint held outside the store: each file of
    ``checkpoints`` (a checkpoint note, or a proof file carrying one) and the latest
    checkpoint the operator's key signed, kept in the key directory. A projection behind the
    log is a problem unless ``allow_lag``.
    """
    trusted = read_trust(trust)[1] if trust else list(uow.keyring.trusted.values())
    held = [(f"checkpoint {path}", held_note(path)) for path in checkpoints]
    remembered = uow.settings.keys.signed_checkpoint()  # read before the replay reads the head
    if remembered is not None:
        held.append((f"the checkpoint the operator's key signed last "
                     f"({uow.settings.keys.signed_checkpoint_path})", remembered))
    return run_audit(uow.events, uow.db, trusted, jobs=jobs, upto=upto, as_of=as_of,
                     fail_fast=fail_fast, held=held, allow_lag=allow_lag, progress=progress)


def held_note(path: Path, option: str = "--checkpoint") -> str:
    """The signed checkpoint note a file holds: a note itself, a proof bundle, or a C2SP
    tlog-proof (its signature is checked by the audit)."""
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)
    except (FileNotFoundError, IsADirectoryError):
        raise FileNotFound(f"{option} {path}: expected a file, found none") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ProofMalformed(f"{option} {path}: expected at most {MAX_FILE_BYTES} bytes, "
                             "found more")
    try:
        if raw.lstrip().startswith(b"{"):
            return parse_bundle(raw).checkpoint
        text = raw.decode("utf-8")
        if text.startswith(HEADER + "\n"):
            return parse_tlog_proof(text).checkpoint
    except UnicodeDecodeError:
        raise ProofMalformed(f"{option} {path}: expected UTF-8 text") from None
    except LedgerError as e:
        raise type(e)(f"{option} {path}: {e.message}") from None
    return text
