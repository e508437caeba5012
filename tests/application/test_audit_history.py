"""`ledger audit` against what is held outside the store (a buyer's or monitor's checkpoint,
the operator key's memory), every stored Merkle node, and projections behind the log."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import pytest

from ledger import ids
from ledger.audit.report import AuditReport
from ledger.errors import ProofInvalid
from ledger.projections import merkle_log
from ledger.projections.registry import PROJECTIONS
from ledger.projections.runner import Database, Runner
from ledger.settings import Settings
from ledger.signing.keys import KeyDirectory
from ledger.transparency import merkle
from ledger.transparency.bundle import bundle_json, to_tlog_proof
from ledger.transparency.checkpoint import Checkpoint, sign_checkpoint
from ledger.usecases import auditing, holdings
from ledger.usecases.checkpoints import prove_retirement, read_proof, sign_head
from ledger.usecases.unit import UnitOfWork
from tests.application.test_audit import LEAF, build, project, run
from tests.support import tamper

BATCH = ids.batch_id(LEAF)


def retire(ledger: UnitOfWork, key: str) -> str:
    return holdings.retire(ledger, holder="acme", batch=LEAF, quantity=1, beneficiary="Acme",
                           reason="claim", claim_period="2025", idempotency_key=key).retirement


def kinds(report: AuditReport) -> list[str]:
    return [p.kind for p in report.problems]


def truncate(ledger: UnitOfWork, db: Database, settings: Settings, key: str,
             signed_size: int) -> None:
    """The database writer's attack: the retirement's two events and the checkpoint covering
    them go, and the projections are rebuilt from what is left."""
    tamper.delete(settings, BATCH, tamper.last_version(settings, BATCH))
    tamper.delete(settings, ids.retirement_id(key), 1)
    tamper.delete_checkpoints(settings, signed_size)
    for make in PROJECTIONS.values():
        Runner(ledger.events, db, make()).rebuild()
    project(ledger, db)


def fresh(settings: Settings) -> UnitOfWork:
    """A new process on the same store (nothing cached)."""
    return UnitOfWork(settings, sign=False)


def test_a_held_checkpoint_catches_a_truncated_log_and_then_a_rewritten_one(
    ledger: UnitOfWork, db: Database, settings: Settings
) -> None:
    build(ledger, db)
    retire(ledger, "last")
    held = sign_head(ledger)
    truncate(ledger, db, settings, "last", held.tree_size)
    auditor = fresh(settings)
    assert run(auditor, db).clean  # the store alone looks fine
    report = run(auditor, db, held=[("the buyer's checkpoint", held.note)])
    assert kinds(report) == ["log_rolled_back"]
    assert "the buyer's checkpoint of tree size" in report.problems[0].expected
    assert "went back in time" in report.problems[0].found
    assert "the first: log_rolled_back" in str(report.findings())

    writer = UnitOfWork(settings)
    retire(writer, "instead")  # back at the held size, with other events
    project(writer, db)
    report = run(fresh(settings), db, held=[("the buyer's checkpoint", held.note)])
    assert kinds(report) == ["log_rolled_back"]
    assert "the log was rewritten" in report.problems[0].found


def test_the_operator_keys_memory_is_a_held_checkpoint_of_every_audit(
    ledger: UnitOfWork, db: Database, settings: Settings
) -> None:
    build(ledger, db)
    retire(ledger, "last")
    signed = sign_head(ledger)
    truncate(ledger, db, settings, "last", signed.tree_size)
    report = auditing.audit(fresh(settings))
    assert kinds(report) == ["log_rolled_back"]
    assert "signed-checkpoint" in report.problems[0].expected


def test_a_proof_file_and_a_tlog_proof_are_held_checkpoints(
    ledger: UnitOfWork, db: Database, settings: Settings, tmp_path: Path
) -> None:
    build(ledger, db)
    bundle = prove_retirement(ledger, retirement=retire(ledger, "last"))
    (tmp_path / "proof.json").write_bytes(bundle_json(bundle))
    (tmp_path / "proof.txt").write_text(to_tlog_proof(bundle))
    (tmp_path / "checkpoint").write_text(bundle.checkpoint)
    files = [tmp_path / name for name in ("proof.json", "proof.txt", "checkpoint")]
    project(ledger, db)
    report = auditing.audit(fresh(settings), checkpoints=files)
    assert report.clean, report.summary()
    assert report.checkpoints_checked >= 4
    truncate(ledger, db, settings, "last", bundle.tree_size)
    settings.keys.signed_checkpoint_path.unlink()  # only the files know now
    report = auditing.audit(fresh(settings), checkpoints=files)
    assert kinds(report) == ["log_rolled_back"] * 3
    assert [p.expected.split(" of tree size")[0] for p in report.problems] == [
        f"the log to extend checkpoint {f}" for f in files]


def test_a_held_checkpoint_by_an_untrusted_key_is_checkpoint_invalid(
    ledger: UnitOfWork, db: Database, tmp_path: Path
) -> None:
    build(ledger, db)
    stranger = KeyDirectory(tmp_path / "stranger").create("carbon-ledger")
    note = sign_checkpoint(Checkpoint(ledger.load_operator().origin, 1, bytes(32)),
                           stranger.name, stranger.private_key)
    assert kinds(run(ledger, db, held=[("the stranger's", note)])) == ["checkpoint_invalid"]


def test_a_held_checkpoint_of_another_log_is_checkpoint_invalid(
    ledger: UnitOfWork, db: Database
) -> None:
    build(ledger, db)
    signer = ledger.keyring.require_signer()
    note = sign_checkpoint(Checkpoint("another.example/log", 1, bytes(32)), signer.name,
                           signer.private_key)
    report = run(ledger, db, held=[("the other log's", note)])
    assert kinds(report) == ["checkpoint_invalid"]
    assert "another.example/log" in report.problems[0].found


def test_one_zeroed_stored_node_is_found_and_named(
    ledger: UnitOfWork, db: Database, settings: Settings
) -> None:
    build(ledger, db)
    retired = retire(ledger, "last")
    sign_head(ledger)
    size = merkle_log.tree_size(db)
    path: list[tuple[int, int]] = []
    leaf = merkle_log.leaf_of(db, UUID(retired), 1)
    assert leaf is not None
    merkle.inclusion_proof(leaf.index, size, lambda level, index: path.append((level, index))
                           or bytes(32))
    level, index = path[0]  # a node the retirement's inclusion path reads
    tamper.zero_node(settings, level, index)
    with pytest.raises(ProofInvalid):
        read_proof(fresh(settings), retirement=retired)  # what `ledger serve` answers
    with pytest.raises(ProofInvalid):
        prove_retirement(fresh(settings), retirement=retired)  # what `ledger proof` answers
    project(ledger, db)
    report = run(ledger, db)
    assert kinds(report) == ["merkle_mismatch"]
    assert f"node (level {level}, index {index})" in report.problems[0].expected


def test_a_changed_leaf_row_is_found(ledger: UnitOfWork, db: Database) -> None:
    build(ledger, db)
    with db.locked("tamper") as tx:
        tx.execute("UPDATE merkle_leaves SET position = position + 1000 WHERE leaf_index = 3")
    report = run(ledger, db)
    assert kinds(report) == ["merkle_mismatch"]
    assert report.problems[0].expected.startswith("the stored transparency log's leaf 3:")


def test_a_projection_behind_the_log_fails_the_audit_unless_lag_is_allowed(
    ledger: UnitOfWork, db: Database
) -> None:
    build(ledger, db)
    retire(ledger, "unprojected")
    report = run(ledger, db)
    assert set(kinds(report)) == {"projection_behind"}
    assert len(report.problems) == len(PROJECTIONS)
    allowed = run(ledger, db, allow_lag=True)
    assert allowed.clean
    assert sum("not compared" in n for n in allowed.notes) == len(PROJECTIONS)
