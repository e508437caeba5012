"""Reporters: turn read objects into text for people or JSON for programs.

Data goes to stdout; diagnostics go to stderr.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any, Protocol

from ledger.views import (
    AccountView,
    BalanceView,
    BatchView,
    Block,
    MintView,
    ReservationView,
    RetirementView,
    TransferView,
    View,
)


class Reporter(Protocol):
    def show(self, result: Any) -> None: ...


def blocks_text(blocks: Sequence[Block]) -> str:
    return ", ".join(f"{b.batch} [{b.first}..{b.last}]" for b in blocks)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(h) for h in headers], *[[str(c) for c in r] for r in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [
        "  ".join(c.rjust(w) if c.isdigit() else c.ljust(w)
                  for c, w in zip(row, widths, strict=True)).rstrip()
        for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def text_of(result: Any) -> str:
    if isinstance(result, MintView):
        return (f"minted {result.batch} ({result.source}): {result.quantity} credits, "
                f"serials {result.serial_first}..{result.serial_last} in scope {result.scope}")
    if isinstance(result, AccountView):
        pledge = "Climate Pledge" if result.climate_pledge else "no Climate Pledge"
        scopes = ",".join(map(str, result.scope_targets)) or "none"
        return (f"account {result.handle} ({result.role}) {result.name}: {pledge}; "
                f"scope targets {scopes}; {result.eligibility}")
    if isinstance(result, ReservationView):
        return (f"reservation {result.reservation} {result.status}: {result.quantity} credits "
                f"for {result.buyer}, expires {result.expires_at:%Y-%m-%d %H:%M UTC}\n"
                f"  blocks: {blocks_text(result.blocks)}")
    if isinstance(result, TransferView):
        return (f"transfer {result.transfer}: {result.quantity} credits of {result.batch} "
                f"from {result.sender} to {result.recipient}\n"
                f"  blocks: {blocks_text(result.blocks)}")
    if isinstance(result, RetirementView):
        return (f"retirement {result.retirement}: {result.quantity} credits of {result.batch} "
                f"retired by {result.holder} for {result.buyer}, beneficiary "
                f"{result.beneficiary!r}, claim period {result.claim_period}, reason "
                f"{result.reason!r}\n  blocks: {blocks_text(result.blocks)}")
    if isinstance(result, BatchView):
        holders = ", ".join(f"{h} {n}" for h, n in sorted(result.holders.items())) or "none"
        return (f"batch {result.batch} ({result.source}, vintage {result.vintage}, "
                f"serials {result.serial_first}..{result.serial_last})\n"
                f"  minted {result.minted} = available {result.available} + reserved "
                f"{result.reserved} + held {result.held} + retired {result.retired}\n"
                f"  holders: {holders}")
    if isinstance(result, BalanceView):
        if not result.batches:
            return f"{result.holder}: no credits"
        rows = [(b.batch, b.available, b.reserved, b.retired) for b in result.batches]
        return f"{result.holder}\n" + table(("batch", "available", "reserved", "retired"), rows)
    if isinstance(result, list):
        return "\n".join(text_of(r) for r in result) or "nothing to do"
    return str(result)


class TextReporter:
    def show(self, result: Any) -> None:
        print(text_of(result))


class JsonReporter:
    def show(self, result: Any) -> None:
        print(json.dumps(to_json(result), indent=2, sort_keys=False, ensure_ascii=False))


def to_json(result: Any) -> Any:
    if isinstance(result, View):
        return result.to_dict()
    if isinstance(result, list):
        return [to_json(r) for r in result]
    return result


REPORTERS: dict[str, type[TextReporter] | type[JsonReporter]] = {
    "text": TextReporter,
    "json": JsonReporter,
}


def reporter(as_json: bool) -> Reporter:
    return REPORTERS["json" if as_json else "text"]()


def say(message: str) -> None:
    """A diagnostic line for people: stderr, never mixed into data."""
    print(message, file=sys.stderr)
