"""Every event is signed and hash-linked; any change to a stored byte is caught on read."""

from __future__ import annotations

import pytest

from ledger import ids
from ledger.errors import ChainBroken, SignatureInvalid, UnknownKey, VerificationFailed
from ledger.settings import Settings
from ledger.signing.envelope import open_envelope
from ledger.signing.keys import KeyDirectory
from ledger.usecases import holdings, minting, reads, reservations, setup
from ledger.usecases.unit import UnitOfWork
from tests.support import tamper
from tests.support.builders import issuance, open_buyers
from tests.support.clock import Clock

LEAF = "ART:ART102-2021-11"
BATCH = ids.batch_id(LEAF)


@pytest.fixture
def history(ledger: UnitOfWork) -> UnitOfWork:
    """A batch with five events: minted, reserved, settled, reserved, released."""
    minting.mint(ledger, document=issuance(first=1, last=100))
    open_buyers(ledger, "acme")
    reservations.settle(ledger, reservation=reservations.reserve(
        ledger, buyer="acme", quantity=10, batch=LEAF).reservation)
    reservations.release(ledger, reservation=reservations.reserve(
        ledger, buyer="acme", quantity=10, batch=LEAF).reservation)
    return ledger


def fresh(settings: Settings, clock: Clock) -> UnitOfWork:
    """A new application: nothing cached, every event read back from the store."""
    return UnitOfWork(settings, clock=clock)


def load_fails(settings: Settings, clock: Clock) -> VerificationFailed:
    app = fresh(settings, clock)
    try:
        with pytest.raises(VerificationFailed) as raised:
            reads.show_batch(app, batch=LEAF)
    finally:
        app.close()
    return raised.value


def test_every_stored_event_carries_a_signed_payload_linked_to_its_predecessor(
    history: UnitOfWork, settings: Settings
) -> None:
    first = open_envelope(tamper.read_state(settings, BATCH, 1))
    second = open_envelope(tamper.read_state(settings, BATCH, 2))
    assert first.prev == "0" * 64
    assert second.prev == first.digest
    assert first.key_id == history.keyring.require_signer().key_id


def test_an_untouched_store_reads_back_clean(
    history: UnitOfWork, settings: Settings, clock: Clock
) -> None:
    app = fresh(settings, clock)
    assert reads.show_batch(app, batch=LEAF).held == 10
    app.close()


@pytest.mark.parametrize("offset", [2, 40, -70, -3])
def test_one_changed_byte_in_a_stored_event_raises_signature_invalid(
    history: UnitOfWork, settings: Settings, clock: Clock, offset: int
) -> None:
    state = tamper.read_state(settings, BATCH, 3)
    tamper.flip_byte(settings, BATCH, 3, offset % len(state))
    error = load_fails(settings, clock)
    assert isinstance(error, SignatureInvalid)
    assert f"aggregate {BATCH} version 3" in error.message


def test_a_changed_topic_raises_signature_invalid(
    history: UnitOfWork, settings: Settings, clock: Clock
) -> None:
    tamper.set_column(
        settings, BATCH, 4, "topic", "ledger.aggregates.batch:CreditBatch.Released"
    )
    error = load_fails(settings, clock)
    assert isinstance(error, SignatureInvalid)
    assert "version 4" in error.message and "topic" in error.message


def test_a_changed_version_raises_signature_invalid(
    history: UnitOfWork, settings: Settings, clock: Clock
) -> None:
    last = tamper.last_version(settings, BATCH)
    tamper.set_column(settings, BATCH, last, "originator_version", last + 1)
    error = load_fails(settings, clock)
    assert isinstance(error, SignatureInvalid)
    assert f"version {last + 1}" in error.message


def test_two_swapped_events_raise_signature_invalid(
    history: UnitOfWork, settings: Settings, clock: Clock
) -> None:
    second = tamper.read_state(settings, BATCH, 2)
    third = tamper.read_state(settings, BATCH, 3)
    tamper.set_column(settings, BATCH, 2, "state", third)
    tamper.set_column(settings, BATCH, 3, "state", second)
    error = load_fails(settings, clock)
    assert isinstance(error, SignatureInvalid)
    assert "version 2" in error.message


def test_an_event_deleted_from_the_middle_raises_chain_broken(
    history: UnitOfWork, settings: Settings, clock: Clock
) -> None:
    tamper.delete(settings, BATCH, 3)
    error = load_fails(settings, clock)
    assert isinstance(error, ChainBroken)
    assert str(BATCH) in error.message


def test_an_event_deleted_and_its_successor_renumbered_raises_an_error(
    history: UnitOfWork, settings: Settings, clock: Clock
) -> None:
    tamper.delete(settings, BATCH, 3)
    tamper.set_column(settings, BATCH, 4, "originator_version", 3)
    error = load_fails(settings, clock)
    assert isinstance(error, SignatureInvalid)


def test_an_event_signed_by_an_untrusted_key_raises_unknown_key(
    history: UnitOfWork, settings: Settings, clock: Clock, tmp_path_factory: pytest.TempPathFactory
) -> None:
    forger = tamper.forger(settings, KeyDirectory(tmp_path_factory.mktemp("stranger")),
                           history.keyring.trusted, clock)
    reservations.release(
        forger,
        reservation=reservations.reserve(forger, buyer="acme", quantity=5, batch=LEAF).reservation)
    forger.close()
    error = load_fails(settings, clock)
    assert isinstance(error, UnknownKey)


class TestRotation:
    def rotate(self, settings: Settings, ledger: UnitOfWork) -> None:
        setup.rotate_key(ledger)

    def test_events_before_and_after_a_rotation_verify(
        self, history: UnitOfWork, settings: Settings, clock: Clock
    ) -> None:
        old_id = history.keyring.require_signer().key_id
        self.rotate(settings, history)
        holdings.transfer(history, sender="acme", recipient="operator", batch=LEAF, quantity=1)
        app = fresh(settings, clock)
        assert reads.show_batch(app, batch=LEAF).held == 9
        assert len(app.keyring.trusted) == 2
        assert app.keyring.require_signer().key_id != old_id
        app.close()

    def test_an_event_forged_with_the_retired_key_after_the_switch_is_refused(
        self, history: UnitOfWork, settings: Settings, clock: Clock
    ) -> None:
        old_signer = history.keyring.require_signer()
        self.rotate(settings, history)
        forger = fresh(settings, clock)
        forger.keyring.signer = old_signer
        # An attacker's own code, holding the retired key: not through the ledger's check
        # that the key is still in force in each save (test_key_rotation.py).
        forger.events.guard.operator_version = None
        holdings.transfer(forger, sender="acme", recipient="operator", batch=LEAF, quantity=1)
        forger.close()
        error = load_fails(settings, clock)
        assert isinstance(error, SignatureInvalid)
        assert "outside its validity window" in error.message
