"""Key rotation is one use case that never leaves the log naming a key that is not on disk:
cut off at any step, the next opening of the ledger finishes it or undoes it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.aggregates.snapshot import LedgerSnapshot
from ledger.audit.run import audit
from ledger.settings import Settings
from ledger.signing.envelope import open_envelope
from ledger.signing.keys import KeyDirectory, Signer
from ledger.usecases import holdings, minting, projecting, reads, reservations, setup
from ledger.usecases.unit import UnitOfWork
from ledger.views import RotationView
from tests.support.builders import issuance, open_buyers
from tests.support.clock import Clock

LEAF = "ART:ART102-2021-11"


class Crash(Exception):
    """The process died here."""


def history(ledger: UnitOfWork) -> None:
    minting.mint(ledger, document=issuance(first=1, last=100))
    open_buyers(ledger, "acme")
    reservations.settle(ledger, reservation=reservations.reserve(
        ledger, buyer="acme", quantity=10, batch=LEAF).reservation)


def audit_is_clean(settings: Settings) -> None:
    fresh = UnitOfWork(settings, sign=False)
    try:
        projecting.catch_up(fresh)
        report = audit(fresh.events, fresh.db, list(fresh.keyring.trusted.values()))
        assert report.problems == []
    finally:
        fresh.close()


def test_a_rotation_signs_what_follows_with_the_new_key_and_closes_the_old_window(
    ledger: UnitOfWork, settings: Settings
) -> None:
    history(ledger)
    rotated = setup.rotate_key(ledger)
    holdings.retire(ledger, holder="acme", batch=LEAF, quantity=1, beneficiary="Acme",
                    reason="claim", claim_period="2025")
    keys = settings.keys.keyring()
    assert keys.require_signer().key_id == rotated.new_key_id
    old = keys.trusted[rotated.old_key_id]
    assert old.valid_until == rotated.switch_at
    assert keys.trusted[rotated.new_key_id].valid_from == rotated.switch_at
    assert not settings.keys.staged_key_exists()
    audit_is_clean(settings)


def test_a_rotation_cut_off_before_the_log_records_it_is_undone_on_the_next_open(
    ledger: UnitOfWork, settings: Settings, clock: Clock
) -> None:
    history(ledger)
    before = settings.keys.keyring().require_signer().key_id
    settings.keys.stage_key(Signer("carbon-ledger", Ed25519PrivateKey.generate()))
    ledger.close()
    reopened = UnitOfWork(settings, clock=clock)
    holdings.retire(reopened, holder="acme", batch=LEAF, quantity=1, beneficiary="Acme",
                    reason="claim", claim_period="2025")
    reopened.close()
    assert not settings.keys.staged_key_exists()
    assert settings.keys.keyring().require_signer().key_id == before
    assert len(settings.keys.keyring().trusted) == 1
    audit_is_clean(settings)


def test_a_rotation_cut_off_after_the_log_records_it_is_finished_on_the_next_open(
    ledger: UnitOfWork, settings: Settings, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    history(ledger)
    old = settings.keys.keyring().require_signer().key_id

    def crash(self: KeyDirectory, new: Signer, switch_at: object) -> None:
        raise Crash

    with monkeypatch.context() as patched:
        patched.setattr(KeyDirectory, "install_rotation", crash)
        with pytest.raises(Crash):
            setup.rotate_key(ledger)
    ledger.close()
    assert settings.keys.staged_key_exists()
    assert settings.keys.keyring().require_signer().key_id == old  # the disk still says old

    reopened = UnitOfWork(settings, clock=clock)
    operator = reopened.load_operator()  # opening the events finishes the rotation
    holdings.retire(reopened, holder="acme", batch=LEAF, quantity=1, beneficiary="Acme",
                    reason="claim", claim_period="2025")
    new = settings.keys.keyring().require_signer()
    assert new.public.verifier_key == operator.verifier_keys[-1] != operator.verifier_keys[0]
    assert not settings.keys.staged_key_exists()
    assert reads.show_batch(reopened, batch=LEAF).retired == 1
    reopened.close()
    audit_is_clean(settings)


def test_finishing_an_interrupted_rotation_twice_changes_nothing(
    ledger: UnitOfWork, settings: Settings
) -> None:
    history(ledger)
    rotated = setup.rotate_key(ledger)
    new = settings.keys.keyring().require_signer()
    settings.keys.install_rotation(new, rotated.switch_at)
    keys = settings.keys.keyring()
    assert keys.require_signer().key_id == rotated.new_key_id
    assert sorted(keys.trusted) == sorted([rotated.old_key_id, rotated.new_key_id])


def test_a_writer_that_finds_the_key_rotated_under_it_signs_with_the_new_key(
    ledger: UnitOfWork, settings: Settings
) -> None:
    """A long-running writer (an import, a service) took its keys before another process
    rotated them: its next save is decided again and signed by the key in force, never by
    the one just retired, and the audit stays clean."""
    history(ledger)
    writer = UnitOfWork(settings)
    try:
        holdings.retire(writer, holder="acme", batch=LEAF, quantity=1, beneficiary="Acme",
                        reason="claim", claim_period="2025")
        rotated = setup.rotate_key(ledger)  # another process
        holdings.retire(writer, holder="acme", batch=LEAF, quantity=1, beneficiary="Acme",
                        reason="claim", claim_period="2025")
        assert writer.keyring.require_signer().key_id == rotated.new_key_id
        assert writer.saves.conflicts == 1  # decided again, after the switch
    finally:
        writer.close()
    audit_is_clean(settings)


def test_a_checkpoint_is_signed_only_by_the_key_in_force(
    ledger: UnitOfWork, settings: Settings
) -> None:
    from ledger.errors import UnknownKey
    from ledger.usecases.checkpoints import sign_head

    history(ledger)
    stale = UnitOfWork(settings)
    try:
        assert stale.keyring.require_signer()  # takes its keys now
        setup.rotate_key(ledger)
        with pytest.raises(UnknownKey, match="key in force at the log's head"):
            sign_head(stale)
    finally:
        stale.close()


def retire_one(unit: UnitOfWork) -> None:
    holdings.retire(unit, holder="acme", batch=LEAF, quantity=1, beneficiary="Acme",
                    reason="claim", claim_period="2025")


def signer_of_last_event(settings: Settings) -> str:
    """The key id that signed the newest event of the log."""
    reader = UnitOfWork(settings, sign=False)
    try:
        recorder = reader.events.recorder
        last = recorder.select_notifications(start=reader.events.head(), limit=1)[0]
        return open_envelope(last.state).key_id
    finally:
        reader.close()


def rotate_saving_with(ledger: UnitOfWork, save: Callable[[list[Any]], None],
                       writer: UnitOfWork) -> RotationView:
    """Rotate with the rotation's save replaced by ``save``; close ``writer`` afterwards."""
    original = ledger.events.record
    ledger.events.record = save  # type: ignore[method-assign]
    try:
        return setup.rotate_key(ledger)
    finally:
        ledger.events.record = original  # type: ignore[method-assign]
        writer.close()


def test_a_rotation_committed_after_a_writer_decided_after_its_switch_makes_the_writer_decide_again(
    ledger: UnitOfWork, settings: Settings
) -> None:
    """The race a check before the save left open: the rotation takes its switch time, a
    writer holding the old key decides (its events made after the switch), the rotation
    commits, then the writer saves. The writer's transaction finds the operator's key changed
    and rolls back; decided again, its events are signed by the new key."""
    history(ledger)
    writer = UnitOfWork(settings)
    assert writer.keyring.require_signer()  # takes its keys now
    save_rotation = ledger.events.record
    save_write = writer.events.record
    order: list[str] = []

    def writer_saves(changed: list[Any]) -> None:
        if not order:
            order.append("rotation commits")
            save_rotation(rotation_changes)
        order.append("writer saves")
        save_write(changed)

    def rotation_saves(changed: list[Any]) -> None:
        nonlocal rotation_changes
        if order:
            return  # already committed by the interleaving above
        rotation_changes = changed
        retire_one(writer)  # decides now, after the switch time was taken

    rotation_changes: list[Any] = []
    writer.events.record = writer_saves  # type: ignore[method-assign]
    rotated = rotate_saving_with(ledger, rotation_saves, writer)
    assert order == ["rotation commits", "writer saves", "writer saves"]  # refused, then again
    assert writer.saves.conflicts == 1
    assert signer_of_last_event(settings) == rotated.new_key_id
    audit_is_clean(settings)


def test_an_event_made_after_the_switch_saved_before_the_rotation_makes_the_rotation_decide_again(
    ledger: UnitOfWork, settings: Settings
) -> None:
    """The other order: the rotation takes its switch time, a writer holding the old key
    decides and commits first (the operator's key still in force for it), then the rotation
    saves. The rotation's transaction finds an event made after its switch time and rolls
    back; decided again, its switch time is after every event the old key signed."""
    history(ledger)
    writer = UnitOfWork(settings)
    assert writer.keyring.require_signer()
    save_rotation = ledger.events.record
    attempts: list[datetime] = []

    def rotation_saves(changed: list[Any]) -> None:
        attempts.append(ledger.events.guard.rotation.switch_at)  # type: ignore[union-attr]
        if len(attempts) == 1:
            retire_one(writer)  # made after the switch time, committed before the rotation
        save_rotation(changed)

    rotated = rotate_saving_with(ledger, rotation_saves, writer)
    assert len(attempts) == 2 and rotated.switch_at == attempts[1] > attempts[0]
    assert ledger.saves.conflicts == 1
    audit_is_clean(settings)


def test_a_snapshot_taken_after_a_rotation_is_inside_its_signers_window(
    ledger: UnitOfWork, settings: Settings
) -> None:
    """A snapshot is stamped with its last event's time, not the time it is taken: one taken
    just after another process's rotation, signed by the key that signed that event, still
    verifies."""
    history(ledger)
    writer = UnitOfWork(settings)
    try:
        batch = writer.load_batch(LEAF)
        setup.rotate_key(ledger)
        snapshot = LedgerSnapshot.take(batch)
        assert snapshot.timestamp == batch.modified_on < ledger.load_operator().key_switched_at
    finally:
        writer.close()
