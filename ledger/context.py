"""Opening a ledger from the user's settings: --db / LEDGER_DB and --key-dir / LEDGER_KEY_DIR."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from eventsourcing.persistence import PersistenceError

from ledger.app import Ledger
from ledger.errors import NotFound, StoreUnavailable
from ledger.eventstore import utcnow
from ledger.signing.keys import DEFAULT_KEY_NAME, KeyDirectory
from ledger.store import DEFAULT_DB, Store

DEFAULT_ORIGIN = "carbon-ledger.example/log"


@dataclass(frozen=True)
class Settings:
    db: str | None = None
    key_dir: str | None = None

    @property
    def store(self) -> Store:
        return Store(self.db or os.environ.get("LEDGER_DB") or DEFAULT_DB)

    @property
    def keys(self) -> KeyDirectory:
        chosen = self.key_dir or os.environ.get("LEDGER_KEY_DIR")
        return KeyDirectory(Path(chosen) if chosen else self.store.default_key_dir())


@contextmanager
def store_errors(store: Store) -> Iterator[None]:
    """A database that is down or unreachable is a clear error, the password removed."""
    try:
        yield
    except PersistenceError as e:
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        if "does not exist" in reason:
            raise NotFound(
                f"no ledger at {store.redacted} ({reason}; run `ledger init`)"
            ) from None
        if store.is_postgres and (password := _password(store)):
            reason = reason.replace(password, "***")
        raise StoreUnavailable(f"store {store.redacted}: expected it reachable, found: {reason}") \
            from None


def _password(store: Store) -> str | None:
    password = urlsplit(store.url).password
    return unquote(password) if password else None


@contextmanager
def open_ledger(settings: Settings, *, sign: bool = True) -> Iterator[Ledger]:
    """The ledger of an initialised store, closed afterwards."""
    store = settings.store
    if not store.exists():
        raise NotFound(
            f"no ledger at {store.redacted} (run `ledger init`, or give --db / LEDGER_DB)"
        )
    keyring = settings.keys.keyring(with_signer=sign)
    with store_errors(store):
        ledger = Ledger(store.env(), keyring)
        try:
            yield ledger
        finally:
            ledger.close()


def initialise(
    settings: Settings,
    *,
    origin: str = DEFAULT_ORIGIN,
    operator: str = "operator",
    operator_name: str = "Ledger operator",
    key_name: str = DEFAULT_KEY_NAME,
) -> tuple[Ledger, bool]:
    """Create the key (when missing), the store and the operator; report what was new."""
    store, keys = settings.store, settings.keys
    created_key = not keys.exists()
    if created_key:
        keys.create(key_name, utcnow())
    if not store.is_postgres:
        store.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    with store_errors(store):
        ledger = Ledger(store.env(create_tables=True), keys.keyring())
        ledger.initialise(origin, operator, operator_name)
    return ledger, created_key
