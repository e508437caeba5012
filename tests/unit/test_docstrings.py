"""Every public name of the signing and transparency code says what it is: these are the
modules an outside reviewer reads to trust a proof (errors.py is checked in test_errors)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

LEDGER = Path(__file__).resolve().parents[2] / "ledger"
MODULES = sorted([*(LEDGER / "signing").rglob("*.py"), *(LEDGER / "transparency").rglob("*.py")])


def undocumented(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    missing = [] if ast.get_docstring(tree) else ["the module"]
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_"):
            if not ast.get_docstring(node):
                missing.append(node.name)
            if isinstance(node, ast.ClassDef):
                missing += [f"{node.name}.{item.name}" for item in node.body
                            if isinstance(item, ast.FunctionDef)
                            and not item.name.startswith("_") and not ast.get_docstring(item)]
    return missing


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(LEDGER).as_posix())
def test_every_public_name_has_a_docstring(path: Path) -> None:
    assert undocumented(path) == []
