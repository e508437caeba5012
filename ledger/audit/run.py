"""Run an audit: the replay, then the stored checkpoints, transparency log and projections
compared with what the replay rebuilt."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ledger.audit.held import compare_held, held_checkpoints
from ledger.audit.replay import Replay, run_replay
from ledger.audit.report import AuditReport, Problem
from ledger.audit.signatures import SignatureChecker
from ledger.audit.state import LedgerState, retirement_digest
from ledger.audit.tree import StoredTree
from ledger.errors import (
    CheckpointInvalid,
    CheckpointMismatch,
    LedgerError,
    MerkleMismatch,
    ProjectionBehind,
    ProjectionMismatch,
    SignatureInvalid,
)
from ledger.progress import Progress, silent
from ledger.projections.database import Database
from ledger.projections.merkle_log import tree_size
from ledger.projections.registry import PROJECTIONS
from ledger.serials.pools import POOLS
from ledger.signing.keys import TrustedKey, raw_public
from ledger.store.events import EventStore
from ledger.transparency.checkpoint import Checkpoint, open_checkpoint
from ledger.transparency.verify import verifiers


def audit(events: EventStore, db: Database, trusted: list[TrustedKey], *, jobs: int = 1,
          upto: int | None = None, as_of: datetime | None = None, fail_fast: bool = False,
          held: Sequence[tuple[str, str]] = (), allow_lag: bool = False,
          progress: Progress = silent) -> AuditReport:
    """Check everything; never stop at the first problem unless ``fail_fast``.

    ``held`` are signed checkpoint notes kept outside the store (a buyer's proof, a monitor's
    checkpoint, the key directory's memory), each with where it came from: the log must
    extend every one. A projection behind the log is a problem unless ``allow_lag``.
    """
    started = time.perf_counter()
    report = AuditReport()
    keys = {k.key_id: raw_public(k.public_key) for k in trusted}
    checker = SignatureChecker(keys, jobs)
    try:
        signed = stored_checkpoints(db, trusted, report)
        outside = held_checkpoints(held, trusted, report)
        merkle_size = optional(lambda: tree_size(db), 0)
        stored = StoredTree(db, merkle_size, report)
        replay = Replay({k.key_id: k for k in trusted}, checker, signed, report, fail_fast,
                        stored)
        replay.roots.update((c.size, b"") for _, c in outside)
        run_replay(events, replay, upto, as_of, progress)
        replay.flush()
        stored.flush()
        for position in checker.drain():
            report.problems.append(Problem(SignatureInvalid.code, position, None, None,
                                           "a valid Ed25519 signature", "one that fails"))
    finally:
        checker.close()
    if fail_fast and report.problems:
        del report.problems[1:]
        report.stopped_at = "the first problem (--fail-fast)"
        report.seconds = time.perf_counter() - started
        return report
    historical = upto is not None or as_of is not None
    covered_to = replay.tree.size
    for size in sorted(signed):
        if size > covered_to and not historical:
            report.problems.append(Problem(
                CheckpointMismatch.code, None, None, None, f"the log to hold the {size} events "
                f"a signed checkpoint covers", f"{covered_to} events (events were removed)"))
    compare_held(outside, replay.roots, covered_to, historical, replay.origin, report)
    if historical:
        report.as_of = as_of_figures(replay.state, signed, covered_to)
    else:
        if merkle_size > covered_to:
            report.problems.append(Problem(
                MerkleMismatch.code, None, None, None, f"a stored transparency log of at "
                f"most the {covered_to} events of the log", f"{merkle_size} leaves"))
        compare_stored(db, replay, report, allow_lag)
        latest = max(signed, default=0)
        if covered_to > latest:
            report.notes.append(
                f"{covered_to - latest} events after the last signed checkpoint (tree size "
                f"{latest}): no signature covers them yet (`ledger checkpoint`)")
    report.seconds = time.perf_counter() - started
    return report


def optional(read: Any, default: Any) -> Any:
    """A stored thing that may not exist yet (a projection never built)."""
    try:
        return read()
    except LedgerError:
        return default


def stored_checkpoints(db: Database, trusted: list[TrustedKey],
                       report: AuditReport) -> dict[int, Checkpoint]:
    """Every stored checkpoint whose signature verifies; the others are problems."""
    rows = optional(lambda: db.execute(
        "SELECT tree_size, root_hash, note FROM checkpoints ORDER BY tree_size"), [])
    found: dict[int, Checkpoint] = {}
    for size, root_hash, note in rows:
        try:
            checkpoint = open_checkpoint(str(note), verifiers(trusted))
        except LedgerError as e:
            report.problems.append(Problem(CheckpointInvalid.code, None, None, None,
                                           f"checkpoint {size} signed by a trusted key",
                                           e.message))
            continue
        if (checkpoint.size, checkpoint.root_hash) != (int(size), bytes(root_hash)):
            report.problems.append(Problem(
                CheckpointInvalid.code, None, None, None, f"checkpoint row {size} to match its "
                f"signed note", f"note of size {checkpoint.size}, root "
                f"{base64.b64encode(checkpoint.root_hash).decode()}"))
        found[checkpoint.size] = checkpoint
    return found


def compare_stored(db: Database, replay: Replay, report: AuditReport, allow_lag: bool) -> None:
    """Compare each projection that is at the log's end; one that is not is a problem
    (``projection_behind``), or with ``allow_lag`` a note."""
    positions = dict(optional(
        lambda: db.execute("SELECT name, position FROM projection_positions"), []))
    end = report.last_position
    for name in PROJECTIONS:
        position = positions.get(name)
        if position is not None and int(position) == end:
            if name in COMPARISONS:
                COMPARISONS[name](db, replay, report)
            continue
        found = "never built" if position is None else f"at log position {position}"
        if allow_lag:
            report.notes.append(f"projection {name} {found}, the log at {end}: not compared")
        else:
            report.problems.append(Problem(
                ProjectionBehind.code, None, None, None, f"projection {name} at the log's "
                f"end, position {end}, to compare it", f"{found} (run `ledger project`, or "
                "audit with --allow-lag)"))


def compare_rows(report: AuditReport, what: str, expected: dict[Any, Any],
                 found: dict[Any, Any]) -> None:
    for key in sorted(expected.keys() | found.keys(), key=str):
        report.projection_rows_compared += 1
        if expected.get(key) != found.get(key):
            report.problems.append(Problem(ProjectionMismatch.code, None, None, None,
                                           f"{what}[{key}] = {expected.get(key)}",
                                           f"{found.get(key)}"))


def compare_balances(db: Database, replay: Replay, report: AuditReport) -> None:
    rows = db.execute(
        "SELECT holder, batch, available, reserved, retired, cancelled FROM balances")
    found = {(r[0], r[1]): tuple(int(v) for v in r[2:]) for r in rows if any(r[2:])}
    compare_rows(report, "balances", replay.state.balances(), found)


def compare_supply(db: Database, replay: Replay, report: AuditReport) -> None:
    rows = db.execute(
        "SELECT batch, minted, available, reserved, held, retired, cancelled, buffer, reversed "
        "FROM supply")
    found = {r[0]: tuple(int(v) for v in r[1:]) for r in rows}
    compare_rows(report, "supply", replay.state.supply(), found)


def compare_retirements(db: Database, replay: Replay, report: AuditReport) -> None:
    rows = db.execute("SELECT retirement, buyer, holder, beneficiary, batch, quantity, blocks, "
                      "reason, claim_period, status, registry_ref FROM retirements")
    found = {r[0]: retirement_digest(r[1], r[2], r[3], r[4], r[5], json.loads(r[6]), r[7],
                                     r[8], r[9], r[10]) for r in rows}
    expected = {k: v.digest() for k, v in replay.state.retirements.items()}
    compare_rows(report, "retirements", {k: v.hex() for k, v in expected.items()},
                 {k: v.hex() for k, v in found.items()})


COMPARISONS = {
    "balances": compare_balances,
    "supply": compare_supply,
    "retirements": compare_retirements,
}
"""Read models compared row by row; the Merkle log's every node is compared during the replay
(:mod:`ledger.audit.tree`)."""



def as_of_figures(state: LedgerState, signed: dict[int, Checkpoint],
                  size: int) -> dict[str, Any]:
    covering = min((s for s in signed if s >= size), default=None)
    return {
        "events": size,
        "balances": [{"holder": h, "batch": b, "available": a, "reserved": r, "retired": t,
                      "cancelled": c}
                     for (h, b), (a, r, t, c) in sorted(state.balances().items())],
        "supply": [dict(zip(("batch", "minted", *POOLS, "buffer", "reversed"), (ref, *row),
                            strict=True))
                   for ref, row in sorted(state.supply().items())],
        "labels": {b.reference: dict(sorted(b.labels.items()))
                   for b in sorted(state.batches.values(), key=lambda b: b.reference)},
        "retirements_by_buyer": {b: dict(sorted(y.items()))
                                 for b, y in sorted(state.retired_by_buyer.items())},
        "covering_checkpoint": None if covering is None else {
            "tree_size": covering, "root_hash": base64.b64encode(signed[covering].root_hash)
            .decode()},
    }
