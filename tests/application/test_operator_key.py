"""The log is anchored to its operator: only the key in force at the log's head writes, `init`
never gives an existing ledger a new key, and shared-writable trust lists and key directories
are refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ledger.errors import KeyFileInsecure, KeyNotFound, UnknownKey
from ledger.settings import Settings
from ledger.signing.keys import KeyDirectory, write_trust
from ledger.usecases import accounts, setup
from ledger.usecases.unit import UnitOfWork


def elsewhere(settings: Settings, key_dir: Path) -> Settings:
    return Settings(settings.location.url, str(key_dir))


def open_account(settings: Settings) -> None:
    unit = UnitOfWork(settings)
    try:
        accounts.open_account(unit, handle="mallory", name="Mallory", role="buyer",
                              climate_pledge=True, scope_targets=[])
    finally:
        unit.close()


def head(settings: Settings) -> int:
    unit = UnitOfWork(settings, sign=False)
    try:
        return unit.events.head()
    finally:
        unit.close()


def test_init_on_an_existing_ledger_with_another_key_directory_creates_no_key(
    ledger: UnitOfWork, settings: Settings, tmp_path: Path
) -> None:
    other = elsewhere(settings, tmp_path / "other-keys")
    with pytest.raises(KeyNotFound, match="holds a ledger already"):
        setup.initialise(other)
    assert not other.keys.path.exists()


def test_a_key_of_its_own_writes_nothing_even_when_it_trusts_itself(
    ledger: UnitOfWork, settings: Settings, tmp_path: Path
) -> None:
    before = head(settings)
    mallory = elsewhere(settings, tmp_path / "mallory")
    setup.create_key(mallory.keys)  # `ledger keys init`: a key of no ledger
    with pytest.raises(UnknownKey):
        open_account(mallory)
    forged = mallory.keys.keyring().require_signer()
    operator_keys = list(settings.keys.keyring().trusted.values())
    write_trust(mallory.keys.trust_path, forged.key_id, [*operator_keys, forged.public])
    with pytest.raises(UnknownKey, match="expected the key in force at the log's head"):
        open_account(mallory)
    assert head(settings) == before


def test_a_key_rotated_out_writes_nothing(
    ledger: UnitOfWork, settings: Settings, tmp_path: Path
) -> None:
    backup = tmp_path / "backup-keys"
    shutil.copytree(settings.keys.path, backup)
    setup.rotate_key(ledger)
    before = head(settings)
    with pytest.raises(UnknownKey, match="key in force"):
        open_account(elsewhere(settings, backup))
    assert head(settings) == before
    open_account(settings)  # the key in force writes
    assert head(settings) == before + 1


def test_a_failed_init_leaves_no_half_key_directory(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def cut_off(*_: object, **__: object) -> None:
        raise RuntimeError("the process died registering the operator")

    monkeypatch.setattr(setup, "register_operator", cut_off)
    with pytest.raises(RuntimeError):
        setup.initialise(settings)
    assert not settings.keys.path.exists()
    monkeypatch.undo()
    assert setup.initialise(settings).key_created


@pytest.mark.parametrize(("target", "mode"), [
    ("trust.json", 0o666), ("trust.json", 0o620), ("trust.json", 0o602),
    (".", 0o777), (".", 0o770), (".", 0o703),
], ids=lambda v: f"{v:04o}" if isinstance(v, int) else v)
def test_a_trust_list_or_key_directory_others_can_write_is_refused_and_nothing_written(
    ledger: UnitOfWork, settings: Settings, target: str, mode: int
) -> None:
    before = head(settings)
    path = settings.keys.path / target
    path.chmod(mode)
    with pytest.raises(KeyFileInsecure, match=f"only its owner can write, found {mode:04o}"):
        open_account(settings)
    path.chmod(0o700 if target == "." else 0o644)
    assert head(settings) == before
    settings.keys.path.chmod(0o755)  # others may read and enter it: nothing secret in it but
    open_account(settings)           # the key and the memory, each 0600
    assert head(settings) == before + 1


def test_a_new_key_directory_that_others_can_write_gets_no_key(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    with pytest.raises(KeyFileInsecure):
        KeyDirectory(shared).create("carbon-ledger")
    assert list(shared.iterdir()) == []
