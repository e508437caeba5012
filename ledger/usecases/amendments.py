"""Amendments: a registry corrects an issuance's data after the fact. The signed Minted document
never changes; each correction is an event keeping the old value and the new, with evidence."""

from __future__ import annotations

import copy
from typing import Any

from eventsourcing.domain import Aggregate

from ledger.documents import validate_issuance
from ledger.errors import InvalidArgument
from ledger.parsing import parse_whole
from ledger.usecases.reads import current_document
from ledger.usecases.rules import MAX_EVIDENCE, check_text
from ledger.usecases.unit import UnitOfWork
from ledger.views import AmendmentView

FIXED = frozenset({"source", "registry", "issuance_id", "serial_native", "serial_first",
                   "serial_last", "quantity", "vintage", "buffer_quantity", "labels",
                   "corresponding_adjustment"})
"""Fields no amendment changes: what identifies the batch and its serials (a wrong one is a
withdrawal and a new issuance), the buffer the supply counts, and the labels (changed by
`ledger label`)."""


def amend(uow: UnitOfWork, *, batch: str, field: str, value: str,
          evidence: str) -> AmendmentView:
    """Set ``field`` (a dotted path into the issuance document, e.g. ``project.name``) to
    ``value``; the amended document must still be a valid issuance document."""
    check_text("--evidence", evidence, MAX_EVIDENCE)
    if field.split(".")[0] in FIXED:
        raise InvalidArgument(f"--field: expected a field amendments may change, found "
                              f"{field!r} (fixed: {', '.join(sorted(FIXED))})")

    def decide() -> tuple[list[Aggregate], AmendmentView]:
        loaded = uow.load_batch(batch)
        document = current_document(uow, batch=batch)
        parent, key = _slot(document, field)
        old = parent[key]
        new: Any = value
        if isinstance(old, int) and not isinstance(old, bool):
            new = parse_whole("--value", value, 0, 2**63 - 1)
        elif not isinstance(old, str):
            raise InvalidArgument(f"--field: expected a text or number field, found {field!r} "
                                  f"holding {type(old).__name__}")
        changed = copy.deepcopy(document)
        _slot(changed, field)[0][key] = new
        new = _slot(validate_issuance(changed, "--value").model_dump(mode="json"), field)[0][key]
        if new == old:
            raise InvalidArgument(f"--value: expected a value other than the current, found "
                                  f"{value!r}")
        loaded.amend(field, old, new, evidence)
        return [loaded], AmendmentView(batch, field, old, new, evidence)

    return uow.atomically(decide)


def _slot(document: dict[str, Any], field: str) -> tuple[dict[str, Any], str]:
    """The object holding ``field`` and its key; InvalidArgument when the document has none."""
    *path, key = field.split(".")
    here: Any = document
    for part in path:
        here = here.get(part) if isinstance(here, dict) else None
    if not isinstance(here, dict) or key not in here:
        raise InvalidArgument(f"--field: expected a field of the issuance document, found "
                              f"{field!r}")
    return here, key
