"""The transparency log, checkpoints and retirement proofs, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.app import Ledger
from ledger.context import Settings
from ledger.errors import ConsistencyFailed, RetirementNotFound
from ledger.projections.merkle_log import MerkleLog, tree_size
from ledger.projections.runner import Database, Runner
from ledger.signing.keys import Signer
from ledger.transparency import merkle
from ledger.transparency.bundle import bundle_json
from ledger.transparency.checkpoint import open_checkpoint
from ledger.transparency.checkpoints import (
    bring_log_up_to_date,
    checkpoints,
    consistency,
    retirement_proof,
    sign_head,
)
from ledger.transparency.verify import verifiers, verify_bundle
from tests.support import issuance, open_buyers

LEAF = "ART:ART102-2021-11"


def history(ledger: Ledger, retirements: int = 3) -> list[str]:
    ledger.mint(issuance(first=1, last=1000))
    open_buyers(ledger, "acme")
    ledger.settle(ledger.reserve("acme", 100, batch=LEAF).reservation)
    return [ledger.retire("acme", LEAF, 5, "Acme Corp", "claim", "2025").retirement
            for _ in range(retirements)]


def recomputed_root(ledger: Ledger) -> tuple[int, bytes]:
    """The root from every stored event's payload, rehashed in memory from scratch."""
    tree, store = merkle.CompactRange(), merkle.MemoryNodeStore()
    for notification in ledger.recorder.select_notifications(1, 10_000):
        store.put(tree.append(merkle.leaf_hash(notification.state.rpartition(b"\n")[0])))
    return tree.size, tree.root()


def test_every_event_is_a_leaf_in_notification_order_with_gap_free_indexes(
    ledger: Ledger, db: Database
) -> None:
    history(ledger)
    size = bring_log_up_to_date(ledger, db)
    assert size == ledger.recorder.max_notification_id()
    indexes = [r[0] for r in db.execute("SELECT leaf_index FROM merkle_leaves ORDER BY 1")]
    assert indexes == list(range(size))
    signed = sign_head(ledger, db)
    assert (signed.tree_size, signed.root_hash) == recomputed_root(ledger)


def test_a_checkpoint_is_a_c2sp_note_signed_by_the_operator_key(
    ledger: Ledger, db: Database
) -> None:
    history(ledger)
    signed = sign_head(ledger, db)
    trusted = verifiers(list(ledger.keyring.trusted.values()))
    opened = open_checkpoint(signed.note, trusted, origin=ledger.operator().origin)
    assert (opened.size, opened.root_hash) == (signed.tree_size, signed.root_hash)
    assert signed.note.splitlines()[0] == ledger.operator().origin


def test_signing_twice_without_new_events_returns_the_same_checkpoint(
    ledger: Ledger, db: Database
) -> None:
    history(ledger)
    first = sign_head(ledger, db)
    assert sign_head(ledger, db) == first
    assert len(checkpoints(db)) == 1


def test_checkpoints_grow_consistently_and_each_proof_verifies(
    ledger: Ledger, db: Database
) -> None:
    history(ledger, 1)
    old = sign_head(ledger, db)
    history_more = ledger.retire("acme", LEAF, 1, "Acme", "claim", "2025")
    assert history_more.quantity == 1
    new = sign_head(ledger, db)
    proof = consistency(db, old.tree_size, new.tree_size)
    merkle.verify_consistency(old.tree_size, new.tree_size, proof, old.root_hash, new.root_hash)


def test_the_operator_refuses_to_sign_a_head_inconsistent_with_a_signed_one(
    ledger: Ledger, db: Database
) -> None:
    history(ledger, 1)
    signed = sign_head(ledger, db)
    top = signed.tree_size.bit_length() - 1  # the subtree over the first 2^top leaves
    with db.locked("tamper") as tx:
        tx.execute("UPDATE merkle_nodes SET hash = ? WHERE level = ? AND idx = 0",
                   [bytes(32), top])
    ledger.retire("acme", LEAF, 1, "Acme", "claim", "2025")
    with pytest.raises(ConsistencyFailed, match="refusing to sign"):
        sign_head(ledger, db)


def test_a_rebuilt_log_has_the_same_root_and_keeps_its_checkpoints(
    ledger: Ledger, db: Database
) -> None:
    history(ledger)
    before = sign_head(ledger, db)
    Runner(ledger, db, MerkleLog()).rebuild()
    assert tree_size(db) == 0
    assert bring_log_up_to_date(ledger, db) == before.tree_size
    assert checkpoints(db) == [before]
    assert sign_head(ledger, db) == before


def test_a_retirement_proof_verifies_with_only_the_public_keys(
    ledger: Ledger, db: Database
) -> None:
    retired = history(ledger)
    bundle = retirement_proof(ledger, db, retired[1])
    verified = verify_bundle(bundle_json(bundle), list(ledger.keyring.trusted.values()))
    assert verified.summary.retirement_id == retired[1]
    assert (verified.summary.beneficiary, verified.summary.quantity) == ("Acme Corp", 5)


def test_every_leaf_has_an_inclusion_proof_in_the_latest_checkpoint(
    ledger: Ledger, db: Database
) -> None:
    history(ledger, 4)
    signed = sign_head(ledger, db)
    store = merkle.MemoryNodeStore()
    rows = db.execute("SELECT level, idx, hash FROM merkle_nodes")
    store.put((int(a), int(b), bytes(c)) for a, b, c in rows)
    for leaf_index, leaf in db.execute("SELECT leaf_index, leaf_hash FROM merkle_leaves"):
        path = merkle.inclusion_proof(int(leaf_index), signed.tree_size, store)
        merkle.verify_inclusion(bytes(leaf), int(leaf_index), signed.tree_size, path,
                                signed.root_hash)


def test_proofs_of_retirements_before_and_after_a_key_rotation_verify(
    ledger: Ledger, db: Database, settings: Settings
) -> None:
    before = history(ledger, 1)[0]
    new = Signer("carbon-ledger", Ed25519PrivateKey.generate())
    settings.keys.install_rotation(new, ledger.rotate_key(new))
    after = ledger.retire("acme", LEAF, 2, "Acme", "claim", "2025").retirement
    trusted = list(settings.keys.keyring().trusted.values())
    for ref in (before, after):
        verify_bundle(bundle_json(retirement_proof(ledger, db, ref)), trusted)


def test_a_proof_of_an_unknown_retirement_raises_retirement_not_found(
    ledger: Ledger, db: Database
) -> None:
    history(ledger, 1)
    with pytest.raises(RetirementNotFound):
        retirement_proof(ledger, db, "no-such-retirement")
