"""Projections: catch them up with the log, rebuild them from zero, follow the log, and say how
far behind each one is. Every event is verified as it is read."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ledger.errors import NotFound
from ledger.progress import Progress, silent
from ledger.projections import save_counts
from ledger.projections.registry import PROJECTIONS
from ledger.projections.runner import CHUNK_SIZE, Decoder, Runner, read_position
from ledger.projections.runner import catch_up as run_catch_up
from ledger.projections.runner import follow as run_follow
from ledger.usecases.unit import UnitOfWork
from ledger.views import ProjectionStatus, StatusView


def runners(uow: UnitOfWork, names: Sequence[str], chunk_size: int = CHUNK_SIZE
            ) -> list[Runner]:
    """Runners for the projections ``names``, sharing one decoder (each event verified once).
    They write, so a read-only store refuses them."""
    uow.require_writable()
    decoder = Decoder(uow.events)
    return [Runner(uow.events, uow.db, PROJECTIONS[n](), chunk_size, decoder) for n in names]


def close(chosen: Sequence[Runner]) -> None:
    """Stop the signature-checking threads of ``chosen``'s decoders."""
    for decoder in {id(r.decode): r.decode for r in chosen}.values():
        decoder.close()


def catch_up(uow: UnitOfWork, *, names: Sequence[str] = tuple(PROJECTIONS),
             progress: Progress = silent) -> int:
    """Apply every new event to the projections ``names``; how many were applied."""
    chosen = runners(uow, names)
    try:
        return run_catch_up(chosen, progress)
    finally:
        close(chosen)


def project(uow: UnitOfWork, *, names: Sequence[str] = tuple(PROJECTIONS), rebuild: bool = False,
            follow: bool = False, interval: float = 1.0, chunk_size: int = CHUNK_SIZE,
            progress: Progress = silent, idle: Callable[[], object] | None = None
            ) -> StatusView:
    """Catch up (after dropping the rows, with ``rebuild``), or keep following the log until
    interrupted; then each projection's status. ``idle`` runs after each catch-up (the
    reveal of hidden beneficiaries whose day has come)."""
    chosen = runners(uow, names, chunk_size)
    for runner in chosen if rebuild else []:
        runner.rebuild()
    try:
        if follow:
            run_follow(chosen, interval, progress, idle)
        else:
            run_catch_up(chosen, progress)
            if idle is not None:
                idle()
                run_catch_up(chosen, progress)
    except KeyboardInterrupt:
        pass
    finally:
        close(chosen)
    head = uow.events.head()
    return StatusView([position(uow, r.name, head) for r in chosen])


def status(uow: UnitOfWork) -> StatusView:
    """Each projection's position, the log's head, and the lag; how saves went lately."""
    head = uow.events.head()
    return StatusView([position(uow, name, head) for name in PROJECTIONS],
                      save_counts.recent(uow.db, uow.clock().date()))


def position(uow: UnitOfWork, name: str, head: int) -> ProjectionStatus:
    """A projection's position and lag behind ``head``; position None when never built."""
    try:
        at: int | None = read_position(uow.db, name)
    except NotFound:
        at = None
    return ProjectionStatus(name, at, head, head - (at or 0))
