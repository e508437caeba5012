"""Checkpoints and proofs: the operator's side of the transparency log.

``sign_head`` signs the current tree head as a C2SP tlog-checkpoint, after proving it
consistent with the last one stored and with the last one its key signed (remembered in the key
directory, outside the store): the operator never signs two heads that disagree, and a signed
checkpoint is never replaced. ``prove_retirement`` bundles a retirement event with its
inclusion path in a checkpoint that covers it (signing one first when none does), and checks
the bundle as a buyer would before returning it; on a read-only store (a hot standby) it reads
the proof as stored, signing nothing.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass

from ledger import topics
from ledger.aggregates.retirement import Retirement
from ledger.errors import (
    ConsistencyFailed,
    LedgerError,
    LogRolledBack,
    NotCheckpointed,
    NotFound,
    RetirementNotFound,
    UnknownKey,
    WitnessRefused,
    WitnessUnavailable,
)
from ledger.projections import merkle_log
from ledger.projections.database import Database
from ledger.projections.runner import Runner, catch_up
from ledger.signing.envelope import open_envelope
from ledger.transparency import merkle
from ledger.transparency.bundle import ProofBundle, bundle_json, make_bundle
from ledger.transparency.checkpoint import (
    Checkpoint,
    open_checkpoint,
    parse_checkpoint_body,
    sign_checkpoint,
)
from ledger.transparency.cosignature import Witness, cosignatures
from ledger.transparency.note import split_note
from ledger.transparency.verify import verifiers, verify_bundle
from ledger.transparency.witness import Post, ask
from ledger.usecases.unit import UnitOfWork
from ledger.views import CheckpointsView, CheckpointView, ConsistencyView

LOCK = "checkpoints"


def list_checkpoints(uow: UnitOfWork) -> CheckpointsView:
    """Every signed checkpoint, oldest first."""
    return CheckpointsView(merkle_log.checkpoints(uow.db))


def prove_retirement(uow: UnitOfWork, *, retirement: str) -> ProofBundle:
    """The proof bundle of a retirement (by id or idempotency key) in the latest checkpoint
    that covers it, signing one first when none does; checked against the trust list before
    it is returned. On a read-only store, :func:`read_proof`: nothing caught up or signed."""
    if uow.read_only:
        return read_proof(uow, retirement=retirement)
    recorded = uow.load_retirement(retirement)
    bring_log_up_to_date(uow)
    leaf = merkle_log.leaf_of(uow.db, recorded.id, 1)
    if leaf is None:
        raise RetirementNotFound(f"retirement {retirement}: not in the transparency log yet")
    later = [found for found in (_later_leaf(uow, recorded, topic) for topic in LATER)
             if found is not None]
    needed = max([leaf.index, *(found.index for found in later)]) + 1
    if not merkle_log.checkpoints(uow.db, needed):
        sign_head(uow)
    else:
        size = merkle_log.tree_size(uow.db)
        check_extends_signed(uow, uow.db, size, merkle_log.root(uow.db, size))
    return read_proof(uow, retirement=retirement)


def read_proof(uow: UnitOfWork, *, retirement: str) -> ProofBundle:
    """The same proof as :func:`prove_retirement`, from what is stored only: nothing caught
    up, nothing signed (a read-only reader). ``not_checkpointed`` until a signed checkpoint
    covers the retirement."""
    recorded = uow.load_retirement(retirement)
    leaf = merkle_log.leaf_of(uow.db, recorded.id, 1)
    covering = merkle_log.checkpoints(uow.db, leaf.index + 1) if leaf is not None else []
    if leaf is None or not covering:
        raise NotCheckpointed(f"retirement {retirement}: expected a signed checkpoint covering "
                              "it, found none yet (the operator's next `ledger checkpoint`)")
    checkpoint = covering[-1]
    path = merkle_log.inclusion(uow.db, leaf.index, checkpoint.tree_size)
    stored = uow.events.recorder.select_events(recorded.id, lte=1)[0]
    envelope = open_envelope(stored.state)
    proved = {}
    for topic in LATER:
        found = _later_leaf(uow, recorded, topic)
        if found is not None and found.index < checkpoint.tree_size:
            event = uow.events.recorder.select_events(
                recorded.id, gt=found.version - 1, lte=found.version)[0]
            signed = open_envelope(event.state)
            proved[topic] = (signed.payload, signed.signature, found.index,
                             merkle_log.inclusion(uow.db, found.index, checkpoint.tree_size))
    bundle = make_bundle(envelope.payload, envelope.signature, leaf.index,
                         checkpoint.tree_size, path, checkpoint.note,
                         proved.get(topics.RETIREMENT_CONFIRMED),
                         proved.get(topics.RETIREMENT_REVEALED))
    verify_bundle(bundle_json(bundle), list(uow.keyring.trusted.values()))
    return bundle


@dataclass(frozen=True)
class _Leaf:
    index: int
    version: int


LATER = (topics.RETIREMENT_CONFIRMED, topics.RETIREMENT_REVEALED)
"""The later events of a retirement its proof carries, once the log has them."""


def _later_leaf(uow: UnitOfWork, recorded: Retirement, topic: str) -> _Leaf | None:
    """Where the retirement's event of ``topic`` (its confirmation, the revelation of its
    hidden beneficiary) sits in the log, once it has one and the log has reached it."""
    has = (recorded.registry_ref is not None if topic == topics.RETIREMENT_CONFIRMED
           else recorded.beneficiary_commitment is not None and recorded.hidden_until is None)
    if not has:
        return None
    for stored in uow.events.recorder.select_events(recorded.id, gt=1):
        if stored.topic == topic:
            leaf = merkle_log.leaf_of(uow.db, recorded.id, stored.originator_version)
            return None if leaf is None else _Leaf(leaf.index, stored.originator_version)
    return None


def prove_consistency(uow: UnitOfWork, *, old_size: int, new_size: int) -> ConsistencyView:
    """The RFC 9162 consistency proof between two signed checkpoints' tree sizes."""
    old = merkle_log.checkpoint_at(uow.db, old_size)
    new = merkle_log.checkpoint_at(uow.db, new_size)
    hashes = merkle_log.consistency(uow.db, old.tree_size, new.tree_size)
    return ConsistencyView(old_size, new_size, [base64.b64encode(h).decode() for h in hashes])


def bring_log_up_to_date(uow: UnitOfWork) -> int:
    """Catch the Merkle log up to the event log's head; its size."""
    catch_up([Runner(uow.events, uow.db, merkle_log.MerkleLog())])
    return merkle_log.tree_size(uow.db)


def sign_head(uow: UnitOfWork) -> CheckpointView:
    """Sign the current tree head, unless the latest checkpoint already is that head.

    The key directory remembers the latest checkpoint the key signed, and the head must extend
    it (``log_rolled_back`` otherwise): whatever the store says, the key never signs two
    different heads of one size. The memory is written before the checkpoint is stored.
    """
    uow.require_writable()
    size = bring_log_up_to_date(uow)
    if size == 0:
        raise NotFound("the log is empty: nothing to sign")
    signer = uow.keyring.require_signer()
    operator = uow.load_operator()
    if signer.public.verifier_key != operator.verifier_keys[-1]:
        raise UnknownKey(f"refusing to sign with key {signer.key_id}: the key in force at the "
                         f"log's head is {operator.verifier_keys[-1]} (rotated meanwhile: run "
                         "the command again)")
    origin = operator.origin
    with uow.db.locked(LOCK) as tx:
        root = merkle_log.root(tx, size)
        check_extends_signed(uow, tx, size, root)
        signed = merkle_log.checkpoints(tx)
        latest = signed[-1] if signed else None
        if latest is not None and latest.tree_size > size:
            raise LogRolledBack(f"refusing to sign tree size {size}: a checkpoint of tree size "
                                f"{latest.tree_size} is stored; the store went back in time")
        if latest is not None and latest.tree_size == size:
            return latest
        if latest is not None:
            _prove_growth(tx, latest, size, root)
        note = sign_checkpoint(Checkpoint(origin, size, root), signer.name, signer.private_key)
        made = CheckpointView(size, root, signer.key_id, uow.clock(), note)
        uow.settings.keys.remember_signed(note)
        merkle_log.store_checkpoint(tx, made)
    return made


def witness_head(uow: UnitOfWork, *, witnesses: Sequence[tuple[str, Post]],
                 trusted: Sequence[Witness]) -> CheckpointView:
    """Sign the head (:func:`sign_head`) and ask each witness (where, how to POST to it) to
    cosign it; keep the cosignatures by ``trusted`` witness keys in the stored checkpoint.

    Every witness is asked, even after one failed; the cosignatures received are kept before
    the first failure is raised, so re-running asks again only for what is missing. A witness
    holding a larger or other tree is ``log_rolled_back`` (:mod:`ledger.transparency.witness`).
    """
    made = sign_head(uow)
    checkpoint = parse_checkpoint_body(split_note(made.note)[0])
    guess = (made.tree_size if cosignatures(made.note, trusted)
             else merkle_log.size_signed_before(uow.db, made.tree_size))

    def prove(old_size: int) -> list[bytes]:
        return merkle_log.consistency(uow.db, old_size, made.tree_size)

    lines: list[str] = []
    failures: list[LedgerError] = []
    try:
        for where, post in witnesses:
            try:
                lines += ask(where, post, made.note, checkpoint, prove, guess, trusted)
            except (WitnessRefused, WitnessUnavailable) as failure:
                failures.append(failure)
    finally:
        if lines:
            with uow.db.locked(LOCK) as tx:
                made = merkle_log.add_cosignatures(tx, made.tree_size, lines)
    if failures:
        first, others = failures[0], len(failures) - 1
        raise type(first)(first.message + (f"; {others} other witnesses failed too"
                                           if others else ""))
    return made


def check_extends_signed(uow: UnitOfWork, db: Database, size: int, root: bytes) -> None:
    """``log_rolled_back`` unless the stored tree of ``size`` leaves with ``root`` is an
    RFC 9162 extension of the latest checkpoint the operator's key signed."""
    keys = uow.settings.keys
    note = keys.signed_checkpoint()
    if note is None:
        return
    trusted = verifiers(list(uow.keyring.trusted.values()))
    kept = open_checkpoint(note, trusted, uow.load_operator().origin)
    if kept.size > size:
        raise LogRolledBack(
            f"refusing to sign: the operator's key signed tree size {kept.size} "
            f"({keys.signed_checkpoint_path}), the log now has tree size {size}; the store "
            "went back in time"
        )
    try:
        proof = merkle_log.consistency(db, kept.size, size)
        merkle.verify_consistency(kept.size, size, proof, kept.root_hash, root)
    except (ConsistencyFailed, NotFound) as e:
        raise LogRolledBack(
            f"refusing to sign: the log of tree size {size} does not extend tree size "
            f"{kept.size} that the operator's key signed ({e.message}); the log was rewritten"
        ) from None


def _prove_growth(db: Database, old: CheckpointView, size: int, root: bytes
                  ) -> None:
    """Refuse to sign a head that is not an extension of the last signed one."""
    proof = merkle_log.consistency(db, old.tree_size, size)
    try:
        merkle.verify_consistency(old.tree_size, size, proof, old.root_hash, root)
    except ConsistencyFailed as e:
        raise ConsistencyFailed(
            f"refusing to sign tree size {size}: it is not consistent with the checkpoint of "
            f"size {old.tree_size} ({e.message}); the log was rewritten"
        ) from None
