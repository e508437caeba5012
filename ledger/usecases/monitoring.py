"""Monitoring a served log: follow its checkpoint and tiles, keep what was verified in a state
directory, and fail on any fork or rollback (:mod:`ledger.transparency.monitor`)."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Sequence
from pathlib import Path

from ledger.errors import InvalidDocument
from ledger.signing.c2sp import Verifier
from ledger.signing.keys import read_trust
from ledger.transparency.checkpoint import open_checkpoint
from ledger.transparency.cosignature import Witness, require_cosignatures
from ledger.transparency.merkle import CompactRange
from ledger.transparency.monitor import Fetch, Followed, follow
from ledger.transparency.verify import verifiers
from ledger.views import MonitorView

STATE_FILE = "followed.json"
"""The kept checkpoint note and its tree's edge (base64 hashes)."""
CHECKPOINT_FILE = "checkpoint"
"""A copy of the kept note, for `ledger audit --checkpoint` and any other tool."""


def monitor(*, url: str, fetch: Fetch, state: Path, trust: Path,
            witnesses: Sequence[Witness] = (), min_witnesses: int = 0) -> MonitorView:
    """Verify the log served at ``url`` (through ``fetch``) against the checkpoint kept in
    ``state`` and the trust list, then keep its new checkpoint there. With ``witnesses``,
    the new checkpoint must carry cosignatures by ``min_witnesses`` of them first
    (``cosignature_missing``, and nothing kept, otherwise)."""
    trusted = verifiers(read_trust(trust)[1])
    kept = read_state(state, trusted)
    followed = follow(fetch, trusted, kept)
    cosigned = require_cosignatures(followed.note, witnesses, min_witnesses) \
        if witnesses else []
    write_state(state, followed)
    old_size = kept.checkpoint.size if kept else 0
    return MonitorView(url, followed.checkpoint.origin, old_size, followed.checkpoint.size,
                       followed.checkpoint.size - old_size, str(state),
                       [c.witness for c in cosigned])


def read_state(state: Path, trusted: Sequence[Verifier]) -> Followed | None:
    """What an earlier run kept, checked again (signature, and the edge against its root)."""
    path = state / STATE_FILE
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        note = str(data["checkpoint"])
        edge = tuple(base64.b64decode(h, validate=True) for h in data["edge"])
    except (ValueError, KeyError, TypeError) as e:
        raise InvalidDocument(f"{path}: expected a monitor's state, found ({e})") from None
    checkpoint = open_checkpoint(note, trusted)
    if CompactRange(checkpoint.size, edge).root() != checkpoint.root_hash:
        raise InvalidDocument(f"{path}: expected the kept edge to give the kept root, found "
                              "another root")
    return Followed(note, checkpoint, edge)


def write_state(state: Path, followed: Followed) -> None:
    """Keep the verified checkpoint and its edge (atomically: one file replaces the other)."""
    state.mkdir(parents=True, exist_ok=True)
    body = {"checkpoint": followed.note,
            "edge": [base64.b64encode(h).decode("ascii") for h in followed.edge]}
    for name, text in ((STATE_FILE, json.dumps(body, indent=2) + "\n"),
                       (CHECKPOINT_FILE, followed.note)):
        tmp = state / f"{name}.tmp"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, state / name)
