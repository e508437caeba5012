"""Operator keys: Ed25519 key files, the trust list, and the keyring the store signs with.

A key directory holds ``operator.key`` (the current private key, PEM, mode 0600),
``trust.json`` (every public key the operator has used, with its validity window) and
``signed-checkpoint`` (the latest checkpoint the key signed, 0600: the signer's memory, outside
the store), and ``rotation.lock``, which a rotation holds from staging the next key to
installing it, so that no other process reads the directory half rotated or takes a live
rotation's staged key for an abandoned one. Private keys are never printed or logged; a
private key file readable by group or others is refused, and so is a trust list or key
directory that they can write.
"""

from __future__ import annotations

import fcntl
import json
import os
import stat
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.errors import (
    InvalidDocument,
    KeyExists,
    KeyFileInsecure,
    KeyNotFound,
    UnknownKey,
)
from ledger.signing.c2sp import key_id, parse_verifier_key, verifier_key
from ledger.signing.ed25519 import secret_key, sign, verifies

PRIVATE_KEY_FILE = "operator.key"
STAGED_KEY_FILE = "operator.next.key"
TRUST_FILE = "trust.json"
SIGNED_CHECKPOINT_FILE = "signed-checkpoint"
ROTATION_LOCK_FILE = "rotation.lock"
DEFAULT_KEY_NAME = "carbon-ledger"


def raw_public(public_key: Ed25519PublicKey) -> bytes:
    """The 32 raw bytes of an Ed25519 public key."""
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@dataclass(frozen=True)
class TrustedKey:
    """A public key the verifier accepts for events made after ``valid_from`` (the rotation
    that introduced it) up to and including ``valid_until`` (the rotation that retired it)."""

    name: str
    public_key: Ed25519PublicKey
    valid_from: datetime | None = None
    valid_until: datetime | None = None

    def __post_init__(self) -> None:
        for bound in (self.valid_from, self.valid_until):
            if bound is not None and bound.tzinfo is None:
                raise ValueError(f"expected a window bound with a time zone, found {bound}")

    @cached_property
    def key_id(self) -> str:
        """The C2SP key id, 8 hex digits: what events and checkpoints name the key by."""
        return key_id(self.name, raw_public(self.public_key)).hex()

    @property
    def verifier_key(self) -> str:
        """The C2SP verifier key text ``name+hexid+base64``."""
        return verifier_key(self.name, raw_public(self.public_key))

    def verify(self, signature: bytes, message: bytes) -> bool:
        """Whether ``signature`` is this key's Ed25519 signature of ``message``."""
        return verifies(self.raw, signature, message)

    @cached_property
    def raw(self) -> bytes:
        """The 32 raw bytes of the public key."""
        return raw_public(self.public_key)

    def valid_at(self, moment: datetime) -> bool:
        """Whether an event made at ``moment`` falls in this key's window. A time without a
        time zone fits no window: it is never valid, rather than guessed."""
        if moment.tzinfo is None:
            return False
        if self.valid_from is not None and moment <= self.valid_from:
            return False
        return self.valid_until is None or moment <= self.valid_until

    def to_dict(self) -> dict[str, Any]:
        """The key's entry in a trust list (JSON)."""
        return {
            "key_id": self.key_id,
            "name": self.name,
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "verifier_key": self.verifier_key,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrustedKey:
        """A key from its trust-list entry; CheckpointInvalid for a malformed verifier key."""
        verifier = parse_verifier_key(str(data["verifier_key"]))
        return cls(
            name=verifier.name,
            public_key=Ed25519PublicKey.from_public_bytes(verifier.public_key),
            valid_from=_parse_time(data.get("valid_from")),
            valid_until=_parse_time(data.get("valid_until")),
        )


@dataclass(frozen=True)
class Signer:
    """The operator's current private key. Its repr never shows the key."""

    name: str
    private_key: Ed25519PrivateKey = field(repr=False)

    @cached_property
    def public(self) -> TrustedKey:
        """The public half, as a trusted key with no window."""
        return TrustedKey(self.name, self.private_key.public_key())

    @cached_property
    def key_id(self) -> str:
        """The C2SP key id of the public half."""
        return self.public.key_id

    @cached_property
    def _secret(self) -> bytes:
        return secret_key(self.private_key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
            serialization.NoEncryption()))

    def sign(self, message: bytes) -> bytes:
        """The Ed25519 signature of ``message`` (libsodium's: the same bytes OpenSSL's)."""
        return sign(self._secret, message)


@dataclass
class Keyring:
    """What the store signs with (optional: read-only verifiers have none) and trusts."""

    signer: Signer | None
    trusted: dict[str, TrustedKey]

    def key(self, key_id_hex: str) -> TrustedKey:
        """The trusted key with this key id, or UnknownKey."""
        try:
            return self.trusted[key_id_hex]
        except KeyError:
            raise UnknownKey(f"expected a trusted key id, found unknown key {key_id_hex}") from None

    def current(self) -> TrustedKey:
        """The key in force now: the one whose window is still open (the latest to open)."""
        open_keys = [k for k in self.trusted.values() if k.valid_until is None]
        if not open_keys:
            raise KeyNotFound("expected a trusted key still in force, found every window closed")
        return max(open_keys, key=lambda k: (k.valid_from is not None, k.valid_from or 0))

    def require_signer(self) -> Signer:
        """The private key to sign with, or KeyNotFound (a read-only keyring has none)."""
        if self.signer is None:
            raise KeyNotFound("expected the operator's private key to sign with, found none")
        return self.signer


def _parse_time(value: object) -> datetime | None:
    """A window bound from a trust list: an ISO 8601 time with its time zone, or None."""
    if not value:
        return None
    moment = datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise ValueError(f"expected a time with a time zone, found {value!r}")
    return moment


def check_private_key_file(path: Path) -> None:
    """Refuse a private key file that group or others can read or write (as ssh does)."""
    check_mode(path, 0o077, "permissions 0600 on a private key file")


def check_not_shared(path: Path, what: str) -> None:
    """Refuse a trust list or key directory that group or others can write: whoever can
    write it chooses which keys are trusted."""
    check_mode(path, 0o022, f"{what} that only its owner can write")


def check_mode(path: Path, forbidden: int, expected: str) -> None:
    """KeyFileInsecure when ``path``'s mode has any of the ``forbidden`` bits."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & forbidden:
        raise KeyFileInsecure(f"{path}: expected {expected}, found {mode:04o}")


def write_private_key(path: Path, private_key: Ed25519PrivateKey) -> None:
    """Write a private key as PEM, mode 0600, atomically (a new file replaces the old)."""
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    write_owner_only(path, pem)


def write_owner_only(path: Path, data: bytes) -> None:
    """Write a file only its owner may read (mode 0600), atomically and durably: a new file
    replaces the old, and it is on disk before this returns. The temporary file is new and
    named for this write alone, so a stale one (whatever its mode) or a concurrent writer's
    is never reused."""
    _write_atomically(path, data)


def _write_atomically(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:  # mkstemp: O_EXCL, mode 0600
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_private_key(path: Path) -> Ed25519PrivateKey:
    """Read an Ed25519 private key, refusing a file that group or others can read."""
    check_private_key_file(path)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidDocument(f"{path}: expected an Ed25519 private key, found another kind")
    return key


def write_trust(path: Path, current: str | None, keys: list[TrustedKey]) -> None:
    """Write a trust list atomically: the current key id and every key with its window."""
    body = {"current": current, "keys": [k.to_dict() for k in keys]}
    _write_atomically(path, (json.dumps(body, indent=2) + "\n").encode("utf-8"))
    path.chmod(0o644)  # public keys: readable by verifiers, writable by the owner alone


MAX_TRUST_BYTES = 1024 * 1024
"""A trust list holds a few keys: a few KiB."""


def read_trust(path: Path) -> tuple[str | None, list[TrustedKey]]:
    """Read a trust list (``trust.json`` or a file from ``ledger keys trust --export``)."""
    try:
        check_not_shared(path, "a trust list")
        if path.stat().st_size > MAX_TRUST_BYTES:
            raise InvalidDocument(f"{path}: expected a trust list of at most {MAX_TRUST_BYTES} "
                                  "bytes, found a larger file")
        data = json.loads(path.read_text(encoding="utf-8"))
        keys = [TrustedKey.from_dict(k) for k in data["keys"]]
    except FileNotFoundError:
        raise KeyNotFound(f"{path}: expected a trust list, found no file") from None
    except IsADirectoryError:
        raise KeyNotFound(f"{path}: expected a trust list, found a directory") from None
    except RecursionError:
        raise InvalidDocument(f"{path}: expected a trust list, found JSON nested too deeply") \
            from None
    except (ValueError, KeyError, TypeError) as e:
        raise InvalidDocument(
            f"{path}: expected a trust list, found malformed input ({e})"
        ) from None
    if not keys:
        raise InvalidDocument(f"{path}: expected at least one trusted key, found none")
    return data.get("current"), keys


class KeyDirectory:
    """The operator's key directory."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def private_key_path(self) -> Path:
        """The current private key's file."""
        return self.path / PRIVATE_KEY_FILE

    @property
    def trust_path(self) -> Path:
        """The trust list's file."""
        return self.path / TRUST_FILE

    @property
    def signed_checkpoint_path(self) -> Path:
        """The latest checkpoint the operator's key signed: the signer's memory, outside the
        store, so a store that went back in time or was rewritten is never signed again."""
        return self.path / SIGNED_CHECKPOINT_FILE

    def signed_checkpoint(self) -> str | None:
        """The signed note of the latest checkpoint the key signed, if it signed any."""
        path = self.signed_checkpoint_path
        if not path.exists():
            return None
        check_mode(path, 0o077, "permissions 0600 on the key's signed checkpoint")
        return path.read_text(encoding="utf-8")

    def remember_signed(self, note: str) -> None:
        """Keep ``note`` as the latest checkpoint signed (0600, atomically, durably): called
        before the checkpoint is stored or returned."""
        write_owner_only(self.signed_checkpoint_path, note.encode("utf-8"))

    def exists(self) -> bool:
        """Whether the directory holds a key or a trust list already."""
        return self.private_key_path.exists() or self.trust_path.exists()

    def create(self, name: str) -> Signer:
        """Make the operator's first key, and a trust list that names it."""
        if self.exists():
            raise KeyExists(f"{self.path}: expected no operator key yet, found one")
        self.path.mkdir(parents=True, exist_ok=True, mode=0o700)
        check_not_shared(self.path, "a key directory")
        signer = Signer(name, Ed25519PrivateKey.generate())
        write_private_key(self.private_key_path, signer.private_key)
        public = TrustedKey(name, signer.private_key.public_key(), valid_from=None)
        write_trust(self.trust_path, public.key_id, [public])
        return signer

    def discard(self, *, directory: bool) -> None:
        """Remove what :meth:`create` wrote (and the directory itself, when it made it): a
        failed ``ledger init`` leaves no half key directory behind."""
        for path in (self.private_key_path, self.trust_path, self.signed_checkpoint_path):
            path.unlink(missing_ok=True)
        if directory:
            self.path.rmdir()

    def keyring(self, *, with_signer: bool = True) -> Keyring:
        """The trusted keys, and (``with_signer``) the private key, which must be trusted."""
        if not self.trust_path.exists():
            raise KeyNotFound(
                f"{self.path}: expected an operator key directory, found none "
                "(run `ledger init`, or give --key-dir / LEDGER_KEY_DIR)"
            )
        check_not_shared(self.path, "a key directory")
        current, keys = read_trust(self.trust_path)
        trusted = {k.key_id: k for k in keys}
        signer = None
        if with_signer and self.private_key_path.exists():
            private = read_private_key(self.private_key_path)
            signer = Signer(trusted[current].name if current in trusted else DEFAULT_KEY_NAME,
                            private)
            if signer.key_id not in trusted:
                raise UnknownKey(
                    f"{self.private_key_path}: expected a key listed in {TRUST_FILE}, "
                    f"found key id {signer.key_id}"
                )
        return Keyring(signer=signer, trusted=trusted)

    @contextmanager
    def rotation_lock(self) -> Iterator[None]:
        """Hold the directory's rotation lock: an exclusive ``flock`` between processes
        (released when the process dies, so a crashed rotation never holds it), a lock
        between threads, re-entrant within a thread."""
        with _LOCKS_GUARD:
            lock = _LOCKS.setdefault(self.path, threading.RLock())
        with lock:
            depth = _DEPTH.get(self.path, 0)
            _DEPTH[self.path] = depth + 1
            try:
                if depth:
                    yield
                    return
                fd = os.open(self.path / ROTATION_LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                    yield
                finally:
                    os.close(fd)  # releases the flock
            finally:
                _DEPTH[self.path] = depth

    @property
    def staged_key_path(self) -> Path:
        """Where a rotation keeps the next private key until the log records the switch."""
        return self.path / STAGED_KEY_FILE

    def staged_key_exists(self) -> bool:
        """Whether a rotation was started and not finished."""
        return self.staged_key_path.exists()

    def stage_key(self, new: Signer) -> None:
        """Rotation, step 1: keep the next private key on disk (0600) before the log records
        the switch, so that the log never names a key that exists nowhere."""
        write_private_key(self.staged_key_path, new.private_key)

    def staged_signer(self) -> Signer:
        """The staged next key, named like the current one (a rotation keeps the name unless
        asked otherwise, and the trust list names it once installed)."""
        current, keys = read_trust(self.trust_path)
        names = {k.key_id: k.name for k in keys}
        return Signer(names.get(current or "", DEFAULT_KEY_NAME),
                      read_private_key(self.staged_key_path))

    def discard_staged_key(self) -> None:
        """The log never recorded a switch to the staged key: forget it."""
        self.staged_key_path.unlink(missing_ok=True)

    def install_rotation(self, new: Signer, switch_at: datetime) -> None:
        """Rotation, step 3, after the log recorded the switch at ``switch_at``: close the old
        key's window, open the new one's, and sign with the new key. Idempotent, so a rotation
        interrupted here is finished by running it again."""
        _, keys = read_trust(self.trust_path)
        write_trust(self.trust_path, new.key_id, rotated(keys, new.public, switch_at))
        if self.staged_key_exists():
            check_private_key_file(self.staged_key_path)
            os.replace(self.staged_key_path, self.private_key_path)
        elif Signer(new.name, read_private_key(self.private_key_path)).key_id != new.key_id:
            write_private_key(self.private_key_path, new.private_key)


_LOCKS: dict[Path, threading.RLock] = {}
_DEPTH: dict[Path, int] = {}
"""How deep the thread holding a key directory's rotation lock is in it."""
_LOCKS_GUARD = threading.Lock()


def rotated(keys: list[TrustedKey], new: TrustedKey, switch_at: datetime) -> list[TrustedKey]:
    """The trust list after a switch to ``new`` at ``switch_at``: every key still open is
    closed at the switch, and ``new`` is valid after it. Applying it twice changes nothing."""
    if any(k.key_id == new.key_id for k in keys):
        return keys
    closed = [k if k.valid_until is not None else
              TrustedKey(k.name, k.public_key, k.valid_from, switch_at) for k in keys]
    return [*closed, TrustedKey(new.name, new.public_key, valid_from=switch_at)]
