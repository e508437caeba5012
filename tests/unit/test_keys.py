"""Operator key files: permissions, verifier keys, trust lists."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ledger.errors import KeyExists, KeyFileInsecure, KeyNotFound
from ledger.signing.c2sp import parse_verifier_key
from ledger.signing.keys import KeyDirectory, read_trust

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_a_new_private_key_file_is_mode_0600(tmp_path: Path) -> None:
    keys = KeyDirectory(tmp_path / "keys")
    keys.create("op")
    assert oct(os.stat(keys.private_key_path).st_mode & 0o777) == "0o600"


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_private_key_readable_by_group_or_others_is_refused(tmp_path: Path, mode: int) -> None:
    keys = KeyDirectory(tmp_path / "keys")
    keys.create("op")
    os.chmod(keys.private_key_path, mode)
    with pytest.raises(KeyFileInsecure, match=f"found {mode:04o}"):
        keys.keyring()


def test_the_verifier_key_parses_as_a_c2sp_verifier_key(tmp_path: Path) -> None:
    keys = KeyDirectory(tmp_path / "keys")
    signer = keys.create("example.com/log")
    verifier = parse_verifier_key(signer.public.verifier_key)
    assert verifier.name == "example.com/log"
    assert verifier.key_id.hex() == signer.key_id


def test_creating_a_second_key_in_the_same_directory_is_refused(tmp_path: Path) -> None:
    keys = KeyDirectory(tmp_path / "keys")
    keys.create("op")
    with pytest.raises(KeyExists):
        keys.create("op")


def test_a_missing_key_directory_is_named(tmp_path: Path) -> None:
    with pytest.raises(KeyNotFound, match="ledger init"):
        KeyDirectory(tmp_path / "nowhere").keyring()


def test_the_private_key_never_appears_in_the_repr_or_the_trust_list(tmp_path: Path) -> None:
    keys = KeyDirectory(tmp_path / "keys")
    signer = keys.create("op")
    pem_body = keys.private_key_path.read_text().splitlines()[1]
    assert pem_body not in repr(signer)
    assert pem_body not in keys.trust_path.read_text()
    _, trusted = read_trust(keys.trust_path)
    assert [k.key_id for k in trusted] == [signer.key_id]
