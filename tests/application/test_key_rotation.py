"""Key rotation is one use case that never leaves the log naming a key that is not on disk:
cut off at any step, the next opening of the ledger finishes it or undoes it."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.audit.run import audit
from ledger.settings import Settings
from ledger.signing.keys import KeyDirectory, Signer
from ledger.usecases import holdings, minting, projecting, reads, reservations, setup
from ledger.usecases.unit import UnitOfWork
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
