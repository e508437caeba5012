"""Hypothesis strategies for hostile input: arbitrary JSON, edited documents, mangled bytes,
and the per-example deadline and outcome check every fuzz target shares."""

from __future__ import annotations

import copy
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from ledger.errors import LedgerError

PER_EXAMPLE_S = 5.0


@dataclass(frozen=True)
class Budget:
    """How hard a fuzz target is tried: a fixed, derandomized budget in CI, a large random one
    in the long form."""

    examples: int
    derandomize: bool

    def settings(self) -> settings:
        return settings(max_examples=self.examples, deadline=None, database=None,
                        derandomize=self.derandomize, print_blob=True,
                        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                               HealthCheck.filter_too_much])


def budgets(short: int) -> list[Any]:
    """The short form (always) and the long form (``slow``, twenty times the examples)."""
    return [pytest.param(Budget(short, True), id="short"),
            pytest.param(Budget(short * 20, False), id="long", marks=pytest.mark.slow)]


class Hang(BaseException):
    """An example ran past its deadline (a BaseException: no ``except Exception`` hides it)."""


@contextmanager
def deadline(seconds: float = PER_EXAMPLE_S) -> Iterator[None]:
    def fire(signum: int, frame: object) -> None:
        raise Hang(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def outcome(call: Callable[[], Any]) -> Any:
    """The result (an iterator read to its end), or the LedgerError raised, within the deadline.
    Anything else (another exception, a hang) fails the example."""
    with deadline():
        try:
            result = call()
            if isinstance(result, Iterator):
                result = list(result)
            return result
        except LedgerError as error:
            return error


class Counter:
    """Examples tried per target, for the report."""

    def __init__(self) -> None:
        self.examples = 0

    def __call__(self) -> None:
        self.examples += 1


scalars = (st.none() | st.booleans() | st.integers() | st.integers(-(2**70), 2**70)
           | st.floats() | st.text(max_size=40)
           | st.sampled_from(["", "0", "-1", "1e400", "LEAF", "DAC", "ART", "2026", "\u0000",
                              "\ud800", "x" * 5000, "2024-02-30", "1,000"]))
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a JSON value, the value itself first."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from paths(child, (*prefix, index))


@st.composite
def perturbed(draw: st.DrawFn, value: Any) -> Any:
    """A value of the same type, slightly changed, so that an edit gets past type checks."""
    if isinstance(value, bool) or value is None:
        return not value
    if isinstance(value, int):
        return value + draw(st.sampled_from([-1, 1, 2**32, -(2**53)]) | st.integers())
    if isinstance(value, float):
        return draw(st.floats())
    if isinstance(value, str):
        if not value:
            return draw(st.text(min_size=1, max_size=3))
        at = draw(st.integers(0, len(value) - 1))
        return value[:at] + draw(st.text(max_size=2)) + value[at + 1:]
    if isinstance(value, list) and value:
        at = draw(st.integers(0, len(value) - 1))
        return draw(st.sampled_from([value[:at] + value[at + 1:], [*value, value[at]]]))
    return draw(json_values)


@st.composite
def edited(
    draw: st.DrawFn, document: dict[str, Any], edits: int = 3,
    actions: tuple[str, ...] = ("perturb", "perturb", "replace", "delete", "add"),
) -> dict[str, Any]:
    """The document with 1 to ``edits`` edits: a value perturbed (same type) or replaced by any
    JSON, a key or element removed, an unknown key added."""
    doc = copy.deepcopy(document)
    for _ in range(draw(st.integers(1, edits))):
        places = list(paths(doc))[1:]
        if not places:
            break
        place = draw(st.sampled_from(places))
        parent = doc
        for step in place[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(actions))
        if action == "perturb":
            parent[place[-1]] = draw(perturbed(parent[place[-1]]))
        elif action == "replace":
            parent[place[-1]] = draw(json_values)
        elif action == "delete":
            del parent[place[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=12))] = draw(json_values)
        else:
            parent.append(draw(json_values))
    return doc


@st.composite
def mangled(draw: st.DrawFn, raw: bytes, edits: int = 3) -> bytes:
    """The bytes with 1 to ``edits`` edits: a byte replaced, bytes inserted or deleted, a
    stretch duplicated, the end cut off."""
    data = bytearray(raw)
    for _ in range(draw(st.integers(1, edits))):
        if not data:
            data += draw(st.binary(min_size=1, max_size=8))
            continue
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["replace", "insert", "delete", "duplicate", "truncate"]))
        if action == "replace":
            data[at] = (data[at] + draw(st.integers(1, 255))) % 256  # never the same byte
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif action == "delete":
            del data[at:at + draw(st.integers(1, 8))]
        elif action == "duplicate":
            end = draw(st.integers(at, min(len(data), at + 200)))
            data[end:end] = data[at:end]
        else:
            del data[at:]
    return bytes(data)
