"""static/python.js reads what CPython reads, the same way: json.loads and
datetime.fromisoformat, on thousands of generated texts, each compared value for value (or
both refusing it). The verifier's checks 5 to 7 and the key windows stand on these two."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from typing import Any

from tests.support.signed_corpus import TIMESTAMPS, mutated_timestamps

ONE_US = timedelta(microseconds=1)

JS_FROMISOFORMAT = """(texts) => texts.map((points) => {
  try {
    const m = python.fromisoformat(String.fromCodePoint(...points));
    return [m.fields, m.offset === null ? null : String(m.offset)];
  } catch (error) {
    if (error instanceof python.ValueError) return "error";
    throw error;
  }
})"""

JS_LOADS = """(texts) => {
  const points = (s) => Array.from(s, (c) => c.codePointAt(0));
  const tag = (v) => v === null ? ["null"]
    : typeof v === "boolean" ? ["bool", v]
    : typeof v === "bigint" ? ["int", String(v)]
    : v instanceof python.PyFloat ? ["float", python.str(v)]
    : typeof v === "string" ? ["str", points(v)]
    : Array.isArray(v) ? ["list", v.map(tag)]
    : ["dict", Array.from(v, ([k, x]) => [points(k), tag(x)])];
  return texts.map((p) => {
    try {
      return tag(python.loads(String.fromCodePoint(...p)));
    } catch (error) {
      if (error instanceof python.ValueError) return "error";
      throw error;
    }
  });
}"""


def points(text: str) -> list[int]:
    return [ord(c) for c in text]


def python_fromisoformat(text: str) -> Any:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return "error"
    fields = [moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second,
              moment.microsecond]
    offset = moment.utcoffset()
    return [fields, None if offset is None else str(offset // ONE_US)]


def tag(value: Any) -> Any:
    if value is None:
        return ["null"]
    if isinstance(value, bool):
        return ["bool", value]
    if isinstance(value, int):
        return ["int", str(value)]
    if isinstance(value, float):
        return ["float", repr(value)]
    if isinstance(value, str):
        return ["str", points(value)]
    if isinstance(value, list):
        return ["list", [tag(v) for v in value]]
    return ["dict", [[points(k), tag(v)] for k, v in value.items()]]


def python_loads(text: str) -> Any:
    try:
        return tag(json.loads(text))
    except ValueError:  # JSONDecodeError, and the 4300-digit limit of int()
        return "error"


def json_texts(count: int, seed: int = 11) -> list[str]:
    """Valid documents of every JSON kind, and copies with a few characters edited."""
    rng = random.Random(seed)
    atoms = ['"a\\u00e9\\ud83c\\udf33\\ud800\\n"', '"\\/\\b\\f\\r\\t\\"\\\\"', "-0", "0.5e-3",
             "1E400", "NaN", "-Infinity", "Infinity", "12345678901234567890", "true", "false",
             "null", '"é🌳"', "1.0", "-12", '""', "[]", "{}"]
    alphabet = '{}[]":,\\ -+.0123456789eEuItrfnlsaN\t\n\r\x00\x1fé\ud800\ufeff'

    def document(depth: int) -> str:
        kind = rng.random()
        if depth > 3 or kind < 0.4:
            return rng.choice(atoms)
        items = [document(depth + 1) for _ in range(rng.randint(0, 3))]
        if kind < 0.7:
            return "[" + rng.choice([",", ", ", " ,\n"]).join(items) + "]"
        keys = [rng.choice(['"k"', '"k"', '"x"', '"\\u006b"', '"é"']) for _ in items]
        return "{" + ",".join(f"{k}{rng.choice([':', ' : '])}{v}"
                              for k, v in zip(keys, items, strict=True)) + "}"

    texts = []
    for _ in range(count):
        text = list(rng.choice(["", " ", "\n\t"]) + document(0) + rng.choice(["", " \r\n"]))
        for _ in range(rng.choice([0, 0, 1, 2, 3])):
            at = rng.randrange(len(text) + 1)
            if rng.random() < 0.5 and at < len(text):
                text[at] = rng.choice(alphabet)
            else:
                text.insert(at, rng.choice(alphabet))
        texts.append("".join(text))
    return texts


def test_fromisoformat_reads_every_text_as_cpython_does(verifier: Any) -> None:
    texts = [*TIMESTAMPS, *mutated_timestamps(4000, seed=3), *mutated_timestamps(1000, seed=4)]
    found = verifier.evaluate(JS_FROMISOFORMAT, [points(t) for t in texts])
    differ = [f"{t!r}: Python {python_fromisoformat(t)}, browser {f}"
              for t, f in zip(texts, found, strict=True) if python_fromisoformat(t) != f]
    assert differ == []
    parsed = [f for f in found if f != "error"]
    assert len(parsed) > 400 and any(f[1] is None for f in parsed)


def test_loads_reads_every_text_as_json_loads_does(verifier: Any) -> None:
    texts = [*json_texts(5000), "9" * 4300, "-" + "9" * 4300, "9" * 4301, "[1, 9" + "0" * 4300]
    found = verifier.evaluate(JS_LOADS, [points(t) for t in texts])
    differ = [f"{t!r}: Python {python_loads(t)}, browser {f}"
              for t, f in zip(texts, found, strict=True) if python_loads(t) != f]
    assert differ == []
    assert sum(f != "error" for f in found) > 1500
