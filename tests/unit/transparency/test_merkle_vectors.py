"""The transparency-dev/merkle RFC 6962 / RFC 9162 test vectors, each one its own test."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from ledger.errors import ConsistencyFailed, ProofInvalid
from ledger.transparency.merkle import verify_consistency, verify_inclusion

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "merkle"


def _load(kind: str) -> list[tuple[Path, dict[str, Any]]]:
    return [
        (path, json.loads(path.read_text())) for path in sorted((VECTORS / kind).rglob("*.json"))
    ]


def _cases(kind: str, want_error: bool) -> list[Any]:
    return [
        pytest.param(vector, id=str(path.relative_to(VECTORS)))
        for path, vector in _load(kind)
        if vector["wantErr"] is want_error
    ]


def _hashes(values: list[str] | None) -> list[bytes]:
    return [base64.b64decode(value) for value in values or []]


def _inclusion(vector: dict[str, Any]) -> None:
    verify_inclusion(
        base64.b64decode(vector["leafHash"]),
        vector["leafIdx"],
        vector["treeSize"],
        _hashes(vector["proof"]),
        base64.b64decode(vector["root"]),
    )


def _consistency(vector: dict[str, Any]) -> None:
    verify_consistency(
        vector["size1"],
        vector["size2"],
        _hashes(vector["proof"]),
        base64.b64decode(vector["root1"]),
        base64.b64decode(vector["root2"]),
    )


def test_vector_copy_holds_every_file_of_the_shared_set() -> None:
    assert (len(_load("inclusion")), len(_load("consistency"))) == (98, 98)


@pytest.mark.parametrize("vector", _cases("inclusion", want_error=False))
def test_valid_inclusion_vector_is_accepted(vector: dict[str, Any]) -> None:
    _inclusion(vector)


@pytest.mark.parametrize("vector", _cases("inclusion", want_error=True))
def test_invalid_inclusion_vector_is_rejected(vector: dict[str, Any]) -> None:
    with pytest.raises(ProofInvalid):
        _inclusion(vector)


@pytest.mark.parametrize("vector", _cases("consistency", want_error=False))
def test_valid_consistency_vector_is_accepted(vector: dict[str, Any]) -> None:
    _consistency(vector)


@pytest.mark.parametrize("vector", _cases("consistency", want_error=True))
def test_invalid_consistency_vector_is_rejected(vector: dict[str, Any]) -> None:
    with pytest.raises(ConsistencyFailed):
        _consistency(vector)
