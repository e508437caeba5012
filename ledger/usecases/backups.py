"""Backups and restores, and what a restore lost.

``backup`` writes a consistent copy of the store (:mod:`ledger.store.copies`) while writers run.
``restore`` puts a copy into an empty store, then compares the restored log with every
checkpoint held outside it: the one the operator's key signed last (the key directory's
memory) and those given (a buyer's proof, a monitor's checkpoint). A restore from a backup older
than any of them has lost the events after the backup: it says how many, and exits 5
(``log_rolled_back``), the restored store left in place to be inspected. The key directory is
not in the backup and must not be restored from one: its memory is what tells.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from ledger.errors import CheckpointInvalid, LedgerError, NotABackup, NotFound
from ledger.projections import merkle_log
from ledger.settings import Settings
from ledger.store.copies import copy_kind, read_copy, sqlite_figures, write_copy
from ledger.store.events import holds_events
from ledger.transparency.checkpoint import Checkpoint, open_checkpoint
from ledger.transparency.verify import verifiers
from ledger.usecases.auditing import held_note
from ledger.usecases.checkpoints import bring_log_up_to_date
from ledger.usecases.unit import UnitOfWork, open_unit
from ledger.views import BackupView, HeldView, RestoreView


def backup(settings: Settings, *, destination: Path, force: bool = False) -> BackupView:
    """A consistent copy of the store at ``destination``, and the log it holds (read from the
    copy of a SQLite store; from a PostgreSQL store just before its dump, which holds at
    least that)."""
    started = time.monotonic()
    with open_unit(settings, sign=False) as uow:
        uow.load_operator()  # an initialised ledger, or not_found
        figures = (uow.events.head(), *_log_figures(uow))
        size = write_copy(settings.location, destination, force=force)
    if not settings.location.is_postgres:
        figures = sqlite_figures(destination)
    return BackupView(str(destination), settings.location.redacted, *figures, size,
                      round(time.monotonic() - started, 3))


def restore(settings: Settings, *, source: Path, since: Sequence[Path] = ()) -> RestoreView:
    """Put the backup ``source`` into the (empty) store, then compare the restored log with
    the key directory's signed checkpoint and each checkpoint file of ``since``."""
    # Read before anything is written: a file that is no checkpoint refuses the restore.
    held = [(f"checkpoint {path}", held_note(path, "--since")) for path in since]
    copy_kind(source)
    if holds_events(settings.location):
        raise NotABackup(f"store {settings.location.redacted}: expected an empty store to "
                         "restore into, found one holding events (nothing written)")
    read_copy(source, settings.location)
    remembered = settings.keys.signed_checkpoint()
    if remembered is not None:
        held.append((f"the checkpoint the operator's key signed last "
                     f"({settings.keys.signed_checkpoint_path})", remembered))
    with open_unit(settings, sign=False) as uow:
        tree_size = bring_log_up_to_date(uow)
        checked = [_compare(uow, where, note, tree_size) for where, note in held]
        events = uow.events.head()
        _, checkpoint = _log_figures(uow)
    return RestoreView(str(source), settings.location.redacted, events, tree_size, checkpoint,
                       checked)


def _log_figures(uow: UnitOfWork) -> tuple[int, int]:
    """The transparency log's size and the latest signed checkpoint's, as stored (0 and 0
    for a store whose projections were never built)."""
    try:
        latest = merkle_log.latest_checkpoint(uow.db)
        return merkle_log.tree_size(uow.db), latest.tree_size if latest else 0
    except NotFound:
        return 0, 0


def _compare(uow: UnitOfWork, where: str, note: str, tree_size: int) -> HeldView:
    trusted = verifiers(list(uow.keyring.trusted.values()))
    try:
        checkpoint: Checkpoint = open_checkpoint(note, trusted, uow.load_operator().origin)
    except LedgerError as e:
        raise CheckpointInvalid(f"{where}: {e.message}") from None
    if checkpoint.size > tree_size:
        return HeldView(where, checkpoint.size, "lost", checkpoint.size - tree_size)
    if checkpoint.size and merkle_log.root(uow.db, checkpoint.size) != checkpoint.root_hash:
        return HeldView(where, checkpoint.size, "rewritten", 0)
    return HeldView(where, checkpoint.size, "extended", 0)
