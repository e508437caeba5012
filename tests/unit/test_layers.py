"""Imports point down: each part of ``ledger`` imports only parts on the layers below it (and
never a sibling on its own layer), and no module imports itself back through others.

The layers, top to bottom, are the ones the README's layout section states.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

LEDGER = Path(__file__).resolve().parents[2] / "ledger"

LAYERS: list[set[str]] = [
    {"cli", "schemas"},
    {"web"},
    {"usecases"},
    {"audit", "reconcile"},
    {"projections"},
    {"settings"},
    {"store", "operations"},
    {"documents", "aggregates"},
    {"transparency"},
    {"signing"},
    {"serials", "views", "parsing", "progress", "topics", "ids", "examples", "quantities"},
    {"errors"},
]
"""Top to bottom. A part may import any part on a lower layer, none on its own or above."""


def module_name(path: Path) -> str:
    parts = path.relative_to(LEDGER.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> Iterator[tuple[int, str]]:
    """Every ``ledger`` module a file imports, at any depth (lazy imports included)."""
    package = module_name(path) if path.name == "__init__.py" else \
        module_name(path).rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*parent, *([base] if base else [])])
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        for name in names:
            if name.split(".")[0] == "ledger":
                yield node.lineno, name


def part(module: str) -> str | None:
    """The top-level part of ``ledger`` a module belongs to (None for the package itself)."""
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 1 else None


def rank(name: str) -> int:
    for depth, layer in enumerate(LAYERS):
        if name in layer:
            return depth
    raise AssertionError(f"ledger.{name} is on no layer: add it to LAYERS and the README")


MODULES = sorted(LEDGER.rglob("*.py"))


def test_every_part_of_the_ledger_is_on_a_layer() -> None:
    parts = {part(module_name(path)) for path in MODULES} - {None}
    for name in parts:
        rank(name)  # type: ignore[arg-type]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_imports_point_down(path: Path) -> None:
    here = part(module_name(path))
    if here is None:
        return
    wrong = []
    for line, name in imports(path):
        there = part(name)
        if there is None or there == here:
            continue
        if rank(there) <= rank(here):
            wrong.append(f"line {line}: ledger.{here} (layer {rank(here)}) imports {name} "
                         f"(layer {rank(there)})")
    assert wrong == []


def test_no_module_imports_itself_back() -> None:
    known = {module_name(path) for path in MODULES}

    def resolve(name: str) -> str | None:
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    graph = {module_name(path): {r for _, n in imports(path)
                                 if (r := resolve(n)) and r != module_name(path)
                                 and not module_name(path).startswith(f"{r}.") and r != "ledger"}
             for path in MODULES}
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join([*trail[trail.index(nxt):], nxt]))
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    assert cycles == []
