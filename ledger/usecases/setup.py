"""Setting up: the store and the operator's key, and the key's life after that (show, export
the trust list, rotate)."""

from __future__ import annotations

import json
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.domain import Aggregate

from ledger import ids
from ledger.aggregates.account import Account
from ledger.aggregates.operator import Operator
from ledger.errors import ConcurrentUpdate, InvalidArgument, KeyExists, KeyNotFound
from ledger.settings import Settings
from ledger.signing.c2sp import is_valid_name
from ledger.signing.keys import DEFAULT_KEY_NAME, KeyDirectory, Signer
from ledger.store.events import holds_events
from ledger.store.key_guard import Rotation
from ledger.usecases.rules import check_handle, check_text
from ledger.usecases.unit import UnitOfWork, open_unit
from ledger.views import InitView, KeyView, RotationView, TrustExportView

DEFAULT_ORIGIN = "carbon-ledger.example/log"


def initialise(settings: Settings, *, origin: str = DEFAULT_ORIGIN, operator: str = "operator",
               operator_name: str = "Ledger operator", key_name: str = DEFAULT_KEY_NAME
               ) -> InitView:
    """Create the key (when missing), the store's tables and the operator; a second run
    changes nothing. A store that holds events already gets no new key (``key_not_found``),
    and a failed run removes the key it created."""
    check_key_name(key_name)
    check_handle(operator)
    check_text("--origin", origin, 200)
    if origin != origin.strip():
        raise InvalidArgument(f"--origin: expected no white space around the log's name, "
                              f"found {origin!r}")
    check_text("--operator-name", operator_name, 200)
    location, keys = settings.location, settings.keys
    key_created = not keys.exists()
    made_directory = not keys.path.exists()
    if not location.is_postgres:
        location.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    with open_unit(settings, create=True) as unit:
        unit.require_writable()  # a hot standby gets nothing, not even a new key
        if key_created and holds_events(location):
            raise KeyNotFound(
                f"{location.redacted} holds a ledger already: expected its operator key in "
                f"{keys.path}, found none (`ledger init` creates a key for a new ledger only)"
            )
        try:
            if key_created:
                keys.create(key_name)
            registered = register_operator(unit, origin=origin, handle=operator,
                                           name=operator_name)
        except BaseException:
            if key_created:
                keys.discard(directory=made_directory)
            raise
    return InitView(location.redacted, str(keys.path), key_created, registered.origin,
                    registered.handle, registered.verifier_keys[-1])


def register_operator(uow: UnitOfWork, *, origin: str, handle: str, name: str) -> Operator:
    """Register the operator and open its inventory account; a second call changes nothing."""
    existing = uow.find(Operator, ids.OPERATOR_ID)
    if existing is not None:
        return existing
    check_handle(handle)
    signer = uow.keyring.require_signer()

    def decide() -> tuple[list[Aggregate], Operator]:
        registered = Operator(id=ids.OPERATOR_ID, handle=handle, name=name, origin=origin,
                              verifier_key=signer.public.verifier_key)
        inventory = Account(id=ids.account_id(handle), handle=handle, name=name,
                            role="operator", climate_pledge=False, scope_targets=[])
        return [registered, inventory], registered

    return uow.atomically(decide)


def create_key(keys: KeyDirectory, *, name: str = DEFAULT_KEY_NAME) -> KeyView:
    """Create the operator's first key in ``keys``."""
    check_key_name(name)
    signer = keys.create(name)
    return KeyView(signer.public.verifier_key, signer.key_id, str(keys.path))


def show_key(keys: KeyDirectory) -> KeyView:
    """The current public key, as a C2SP verifier key."""
    signer = keys.keyring().require_signer()
    return KeyView(signer.public.verifier_key, signer.key_id, str(keys.path))


def export_trust(keys: KeyDirectory, *, path: Path) -> TrustExportView:
    """Write every public key with its validity window: what verifiers can be given instead
    of a single key."""
    trusted = keys.keyring(with_signer=False).trusted.values()
    body = {"keys": [k.to_dict() for k in trusted]}
    path.write_text(json.dumps(body, indent=2) + "\n")
    return TrustExportView(str(path), len(body["keys"]))


def rotate_key(uow: UnitOfWork, *, name: str | None = None) -> RotationView:
    """Switch to a new key: stage it on disk, record the switch signed by the old key, then
    sign with the new one. Writers may run meanwhile: each save checks in its transaction
    that its key is still in force, and the rotation that no event made after its switch
    time was saved before it (:mod:`ledger.store.key_guard`).

    A rotation cut off after staging leaves the log unchanged and the staged key is dropped;
    one cut off after the log recorded the switch is finished the next time the ledger is
    opened (:meth:`~ledger.usecases.unit.UnitOfWork.events`): the log never names a key that
    is not on disk.
    """
    uow.require_writable()  # before a key is staged
    keys = uow.settings.keys
    old = uow.keyring.require_signer()
    new = Signer(name or old.name, Ed25519PrivateKey.generate())
    check_key_name(new.name)
    if new.key_id in uow.keyring.trusted:
        raise KeyExists(f"key {new.key_id}: expected a new key, found it already trusted")

    def decide() -> tuple[list[Aggregate], Operator]:
        if uow.keyring.require_signer().key_id != old.key_id:
            raise ConcurrentUpdate(f"expected key {old.key_id} in force, found it rotated by "
                                   "another process meanwhile; see `ledger keys show`")
        operator = uow.load_operator()
        head_before = uow.events.head()
        # Event timestamps come from the library's clock, so the switch must too: every
        # event the old key signed so far is at or before it.
        switch_at = Operator.KeyRotated.create_timestamp()
        uow.events.guard.rotation = Rotation(head_before, switch_at)
        operator.rotate_key(old.key_id, new.public.verifier_key, switch_at)
        return [operator], operator

    with keys.rotation_lock():  # no other process reads the directory half rotated
        keys.stage_key(new)
        try:
            rotated = uow.atomically(decide)
        finally:
            uow.events.guard.rotation = None
        assert rotated.key_switched_at is not None
        keys.install_rotation(new, rotated.key_switched_at)
        uow.events.use_keyring(keys.keyring())
        uow.events.guard.operator_version = rotated.version
    return RotationView(old.key_id, new.key_id, new.public.verifier_key,
                        rotated.key_switched_at)


def check_key_name(name: str) -> None:
    """A C2SP key name: non-empty, without spaces, '+' or control characters."""
    if not is_valid_name(name):
        raise InvalidArgument(f"--name: expected a key name without spaces or '+', found {name!r}")
