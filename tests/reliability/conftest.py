"""The reliability suite: short forms always run; long forms (``slow``) only when asked for.

``make test`` (and CI) runs every short form. ``pytest tests/reliability -m slow`` runs the long
forms alone; ``-m "slow or not slow"`` runs both. The figures each test measured (throughput,
retries, crashes injected, fuzz examples) are printed at the end of the run.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
FIGURES: list[str] = []


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "slow" in (config.option.markexpr or ""):
        return
    long_forms = [i for i in items if i.get_closest_marker("slow") and HERE in i.path.parents]
    if long_forms:
        config.hook.pytest_deselected(items=long_forms)
        dropped = set(long_forms)
        items[:] = [i for i in items if i not in dropped]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if FIGURES:
        terminalreporter.section("reliability figures")
        for line in FIGURES:
            terminalreporter.write_line(line)


@pytest.fixture
def report(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Print a figure in the run's summary, under the test's name."""

    def add(line: str) -> None:
        FIGURES.append(f"{request.node.name}: {line}")

    return add
