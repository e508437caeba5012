"""Signed checkpoints of the transparency log, and the retirement proofs they back.

`sign_head` signs the current tree head as a C2SP tlog-checkpoint, after proving it consistent
with the last one signed: the operator never signs two heads that disagree, and a signed
checkpoint is never replaced. `retirement_proof` bundles a retirement event with its inclusion
path in a checkpoint that covers it (signing one first when none does).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ledger.app import Ledger
from ledger.errors import ConsistencyFailed, NotFound, RetirementNotFound
from ledger.eventstore import utcnow
from ledger.projections.merkle_log import MerkleLog, leaf_of, prefetched, tree_size
from ledger.projections.runner import Database, Runner, catch_up
from ledger.signing.envelope import open_envelope
from ledger.transparency import merkle
from ledger.transparency.bundle import ProofBundle, bundle_json, make_bundle
from ledger.transparency.checkpoint import Checkpoint, sign_checkpoint
from ledger.transparency.verify import verify_bundle

LOCK = "checkpoints"
MAX_TREE_SIZE = 2**63 - 1  # BIGINT


@dataclass(frozen=True)
class StoredCheckpoint:
    tree_size: int
    root_hash: bytes
    note: str
    key_id: str
    signed_at: datetime


def bring_log_up_to_date(ledger: Ledger, db: Database) -> int:
    """Catch the transparency log up to the event log's head; its size."""
    catch_up([Runner(ledger, db, MerkleLog())])
    return tree_size(db)


def checkpoints(db: Database, at_least: int = 0, at_most: int | None = None
                ) -> list[StoredCheckpoint]:
    rows = db.execute(
        "SELECT tree_size, root_hash, note, key_id, signed_at FROM checkpoints "
        "WHERE tree_size >= ? AND tree_size <= ? ORDER BY tree_size",
        [at_least, MAX_TREE_SIZE if at_most is None else at_most],
    )
    return [StoredCheckpoint(int(r[0]), bytes(r[1]), str(r[2]), str(r[3]),
                             datetime.fromisoformat(str(r[4]))) for r in rows]


def checkpoint_at(db: Database, size: int) -> StoredCheckpoint:
    found = checkpoints(db, size, size)
    if not found:
        raise NotFound(f"no signed checkpoint of tree size {size} (see `ledger checkpoints`)")
    return found[0]


def sign_head(ledger: Ledger, db: Database) -> StoredCheckpoint:
    """Sign the current tree head, unless the latest checkpoint already is that head."""
    size = bring_log_up_to_date(ledger, db)
    if size == 0:
        raise NotFound("the log is empty: nothing to sign")
    signer = ledger.keyring.require_signer()
    origin = ledger.operator().origin
    with db.locked(LOCK) as tx:
        signed = checkpoints(tx)
        latest = signed[-1] if signed else None
        if latest is not None and latest.tree_size >= size:
            return latest
        root = merkle.root(size, prefetched(tx, lambda r: merkle.root(size, r)))
        if latest is not None:
            prove_growth(tx, latest, size, root)
        note = sign_checkpoint(Checkpoint(origin, size, root), signer.name, signer.private_key)
        now = utcnow()
        tx.execute(
            "INSERT INTO checkpoints (tree_size, root_hash, note, key_id, signed_at) "
            "VALUES (?, ?, ?, ?, ?)", [size, root, note, signer.key_id, now.isoformat()],
        )
    return StoredCheckpoint(size, root, note, signer.key_id, now)


def prove_growth(db: Database, old: StoredCheckpoint, size: int, root: bytes) -> None:
    """Refuse to sign a head that is not an extension of the last signed one."""
    proof = consistency(db, old.tree_size, size)
    try:
        merkle.verify_consistency(old.tree_size, size, proof, old.root_hash, root)
    except ConsistencyFailed as e:
        raise ConsistencyFailed(
            f"refusing to sign tree size {size}: it is not consistent with the checkpoint of "
            f"size {old.tree_size} ({e.message}); the log was rewritten"
        ) from None


def consistency(db: Database, old_size: int, new_size: int) -> list[bytes]:
    """The RFC 9162 consistency proof between two tree sizes of the stored log."""
    return merkle.consistency_proof(
        old_size, new_size,
        prefetched(db, lambda r: merkle.consistency_proof(old_size, new_size, r)),
    )


def retirement_proof(ledger: Ledger, db: Database, ref: str) -> ProofBundle:
    """The proof bundle of a retirement, checked against the trust list before it is returned."""
    retirement = ledger.retirement(ref)
    bring_log_up_to_date(ledger, db)
    leaf = leaf_of(db, retirement.id, 1)
    if leaf is None:
        raise RetirementNotFound(f"retirement {ref}: not in the transparency log yet")
    covering = checkpoints(db, leaf.index + 1)
    checkpoint = covering[-1] if covering else sign_head(ledger, db)
    index, tree = leaf.index, checkpoint.tree_size
    path = merkle.inclusion_proof(
        index, tree, prefetched(db, lambda r: merkle.inclusion_proof(index, tree, r))
    )
    stored = ledger.recorder.select_events(retirement.id, lte=1)[0]
    envelope = open_envelope(stored.state)
    bundle = make_bundle(envelope.payload, envelope.signature, index, tree, path,
                         checkpoint.note)
    verify_bundle(bundle_json(bundle), list(ledger.keyring.trusted.values()))
    return bundle
