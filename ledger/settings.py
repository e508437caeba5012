"""The user's settings: which store (--db / LEDGER_DB) and which key directory (--key-dir /
LEDGER_KEY_DIR, by default beside the store)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ledger.store.location import DEFAULT_DB, StoreLocation

if TYPE_CHECKING:
    from ledger.signing.keys import KeyDirectory


@dataclass(frozen=True)
class Settings:
    """What the user chose; anything left out comes from the environment, then the defaults."""

    db: str | None = None
    key_dir: str | None = None

    @property
    def location(self) -> StoreLocation:
        """The store: ``db``, else ``LEDGER_DB``, else ``./ledger.db``."""
        return StoreLocation(self.db or os.environ.get("LEDGER_DB") or DEFAULT_DB)

    @property
    def keys(self) -> KeyDirectory:
        """The operator's key directory: ``key_dir``, else ``LEDGER_KEY_DIR``, else beside the
        store."""
        chosen = self.key_dir or os.environ.get("LEDGER_KEY_DIR")
        from ledger.signing.keys import KeyDirectory  # (cryptography: only when keys are used)

        return KeyDirectory(Path(chosen) if chosen else self.location.default_key_dir())
