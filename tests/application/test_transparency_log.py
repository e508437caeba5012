"""The transparency log, checkpoints and retirement proofs, on SQLite and PostgreSQL."""

from __future__ import annotations

from uuid import UUID

import pytest

from ledger import ids
from ledger.errors import ConsistencyFailed, LogRolledBack, RetirementNotFound
from ledger.projections import merkle_log
from ledger.projections.merkle_log import MerkleLog, checkpoints, consistency, tree_size
from ledger.projections.runner import Database, Runner
from ledger.settings import Settings
from ledger.transparency import merkle
from ledger.transparency.bundle import bundle_json
from ledger.transparency.checkpoint import open_checkpoint
from ledger.transparency.verify import verifiers, verify_bundle
from ledger.usecases import holdings, minting, reservations, setup
from ledger.usecases.checkpoints import bring_log_up_to_date, prove_retirement, sign_head
from ledger.usecases.unit import UnitOfWork
from tests.support import tamper
from tests.support.builders import issuance, open_buyers

LEAF = "ART:ART102-2021-11"


def history(ledger: UnitOfWork, retirements: int = 3) -> list[str]:
    minting.mint(ledger, document=issuance(first=1, last=1000))
    open_buyers(ledger, "acme")
    reservations.settle(ledger, reservation=reservations.reserve(
        ledger, buyer="acme", quantity=100, batch=LEAF).reservation)
    return [holdings.retire(ledger, holder="acme", batch=LEAF, quantity=5, beneficiary="Acme Corp",
                            reason="claim", claim_period="2025").retirement
            for _ in range(retirements)]


def recomputed_root(ledger: UnitOfWork) -> tuple[int, bytes]:
    """The root from every stored event's payload, rehashed in memory from scratch."""
    tree, store = merkle.CompactRange(), merkle.MemoryNodeStore()
    for notification in ledger.events.recorder.select_notifications(1, 10_000):
        store.put(tree.append(merkle.leaf_hash(notification.state.rpartition(b"\n")[0])))
    return tree.size, tree.root()


def test_every_event_is_a_leaf_in_notification_order_with_gap_free_indexes(
    ledger: UnitOfWork, db: Database
) -> None:
    history(ledger)
    size = bring_log_up_to_date(ledger)
    assert size == ledger.events.recorder.max_notification_id()
    indexes = [r[0] for r in db.execute("SELECT leaf_index FROM merkle_leaves ORDER BY 1")]
    assert indexes == list(range(size))
    signed = sign_head(ledger)
    assert (signed.tree_size, signed.root_hash) == recomputed_root(ledger)


def test_a_checkpoint_is_a_c2sp_note_signed_by_the_operator_key(
    ledger: UnitOfWork, db: Database
) -> None:
    history(ledger)
    signed = sign_head(ledger)
    trusted = verifiers(list(ledger.keyring.trusted.values()))
    opened = open_checkpoint(signed.note, trusted, origin=ledger.load_operator().origin)
    assert (opened.size, opened.root_hash) == (signed.tree_size, signed.root_hash)
    assert signed.note.splitlines()[0] == ledger.load_operator().origin


def test_signing_twice_without_new_events_returns_the_same_checkpoint(
    ledger: UnitOfWork, db: Database
) -> None:
    history(ledger)
    first = sign_head(ledger)
    assert sign_head(ledger) == first
    assert len(checkpoints(db)) == 1


def test_checkpoints_grow_consistently_and_each_proof_verifies(
    ledger: UnitOfWork, db: Database
) -> None:
    history(ledger, 1)
    old = sign_head(ledger)
    history_more = holdings.retire(ledger, holder="acme", batch=LEAF, quantity=1,
                                   beneficiary="Acme", reason="claim", claim_period="2025")
    assert history_more.quantity == 1
    new = sign_head(ledger)
    proof = consistency(db, old.tree_size, new.tree_size)
    merkle.verify_consistency(old.tree_size, new.tree_size, proof, old.root_hash, new.root_hash)


def test_the_operator_refuses_to_sign_a_head_inconsistent_with_a_signed_one(
    ledger: UnitOfWork, db: Database
) -> None:
    history(ledger, 1)
    signed = sign_head(ledger)
    top = signed.tree_size.bit_length() - 1  # the subtree over the first 2^top leaves
    with db.locked("tamper") as tx:
        tx.execute("UPDATE merkle_nodes SET hash = ? WHERE level = ? AND idx = 0",
                   [bytes(32), top])
    holdings.retire(ledger, holder="acme", batch=LEAF, quantity=1, beneficiary="Acme",
                    reason="claim", claim_period="2025")
    with pytest.raises(LogRolledBack, match="does not extend tree size"):
        sign_head(ledger)  # the key remembers what it signed
    ledger.settings.keys.signed_checkpoint_path.unlink()
    with pytest.raises(ConsistencyFailed, match="refusing to sign"):
        sign_head(ledger)  # and the store's own latest checkpoint says the same


def test_a_rebuilt_log_has_the_same_root_and_keeps_its_checkpoints(
    ledger: UnitOfWork, db: Database
) -> None:
    history(ledger)
    before = sign_head(ledger)
    Runner(ledger.events, db, MerkleLog()).rebuild()
    assert tree_size(db) == 0
    assert bring_log_up_to_date(ledger) == before.tree_size
    assert checkpoints(db) == [before]
    assert sign_head(ledger) == before


def test_a_retirement_proof_verifies_with_only_the_public_keys(
    ledger: UnitOfWork, db: Database
) -> None:
    retired = history(ledger)
    bundle = prove_retirement(ledger, retirement=retired[1])
    verified = verify_bundle(bundle_json(bundle), list(ledger.keyring.trusted.values()))
    assert verified.summary.retirement_id == retired[1]
    assert (verified.summary.beneficiary, verified.summary.quantity) == ("Acme Corp", 5)


def test_every_leaf_has_an_inclusion_proof_in_the_latest_checkpoint(
    ledger: UnitOfWork, db: Database
) -> None:
    history(ledger, 4)
    signed = sign_head(ledger)
    store = merkle.MemoryNodeStore()
    rows = db.execute("SELECT level, idx, hash FROM merkle_nodes")
    store.put((int(a), int(b), bytes(c)) for a, b, c in rows)
    for leaf_index, leaf in db.execute("SELECT leaf_index, leaf_hash FROM merkle_leaves"):
        path = merkle.inclusion_proof(int(leaf_index), signed.tree_size, store)
        merkle.verify_inclusion(bytes(leaf), int(leaf_index), signed.tree_size, path,
                                signed.root_hash)


def test_proofs_of_retirements_before_and_after_a_key_rotation_verify(
    ledger: UnitOfWork, db: Database, settings: Settings
) -> None:
    before = history(ledger, 1)[0]
    setup.rotate_key(ledger)
    after = holdings.retire(ledger, holder="acme", batch=LEAF, quantity=2, beneficiary="Acme",
                            reason="claim", claim_period="2025").retirement
    trusted = list(settings.keys.keyring().trusted.values())
    for ref in (before, after):
        verify_bundle(bundle_json(prove_retirement(ledger, retirement=ref)), trusted)


def test_a_proof_of_an_unknown_retirement_raises_retirement_not_found(
    ledger: UnitOfWork, db: Database
) -> None:
    history(ledger, 1)
    with pytest.raises(RetirementNotFound):
        prove_retirement(ledger, retirement="no-such-retirement")


def test_the_key_remembers_what_it_signed_before_the_checkpoint_is_stored(
    ledger: UnitOfWork, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    history(ledger, 1)

    def cut_off(*_: object) -> None:
        raise RuntimeError("the process died before storing the checkpoint")

    with monkeypatch.context() as patched:
        patched.setattr(merkle_log, "store_checkpoint", cut_off)
        with pytest.raises(RuntimeError):
            sign_head(ledger)
    memory = ledger.settings.keys.signed_checkpoint_path
    assert memory.stat().st_mode & 0o777 == 0o600
    assert not list(memory.parent.glob("*.tmp"))
    assert checkpoints(db) == []
    signed = sign_head(ledger)  # the same head again: Ed25519 signs it to the same note
    assert signed.note == memory.read_text()
    assert checkpoints(db) == [signed]


def test_without_the_keys_memory_a_log_shorter_than_a_stored_checkpoint_is_not_signed(
    ledger: UnitOfWork, db: Database, settings: Settings
) -> None:
    retired = history(ledger, 2)
    signed = sign_head(ledger)
    ledger.settings.keys.signed_checkpoint_path.unlink()  # a key directory from before #18
    batch = ids.batch_id(LEAF)
    tamper.delete(settings, batch, tamper.last_version(settings, batch))
    tamper.delete(settings, UUID(retired[-1]), 1)
    Runner(ledger.events, db, MerkleLog()).rebuild()
    with pytest.raises(LogRolledBack, match=f"tree size {signed.tree_size} is stored"):
        sign_head(UnitOfWork(settings))
