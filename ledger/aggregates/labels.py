"""Labels: what a batch's credits may be used for. Applied and revoked by events, with evidence
and an effective date; retirements and cancellations record the labels their batch carried.

The vocabulary is closed: a label the ledger does not know would be a promise nobody checks.
"""

from __future__ import annotations

import re

VOCABULARY: dict[str, str] = {
    "corsia:pilot": "CORSIA eligible, pilot phase (2021-2023)",
    "corsia:first-phase": "CORSIA eligible, first phase (2024-2026)",
    "article6:authorized": "authorised by the host country under Article 6 of the Paris Agreement",
    "ca:committed": "the host country committed to a corresponding adjustment",
    "ca:pending": "corresponding adjustment pending",
    "ca:completed": "corresponding adjustment completed",
    "ca:not-required": "no corresponding adjustment required",
    "ccp": "ICVCM Core Carbon Principles label",
}
"""Every label, with what it means."""

EXCLUSIVE = {"ca:": "corresponding-adjustment status"}
"""Prefixes of labels a batch carries at most one of, and what that one label is."""

# Issuance documents name labels in the registry's words; these are the ones we can read.
_FROM_DOCUMENT = {
    "ccp": "ccp",
    "ccp-approved": "ccp",
    "corsia-pilot": "corsia:pilot",
    "corsia-pilot-phase": "corsia:pilot",
    "corsia-first-phase": "corsia:first-phase",
    "article6-authorized": "article6:authorized",
    "article-6-authorized": "article6:authorized",
}
_FROM_ADJUSTMENT = {"committed": "ca:committed", "not_required": "ca:not-required"}


def exclusive_with(label: str, carried: set[str]) -> tuple[str, str] | None:
    """A label ``carried`` that ``label`` cannot be carried beside, and what the two are
    each one of; None when there is none."""
    for prefix, what in EXCLUSIVE.items():
        if label.startswith(prefix):
            for other in sorted(carried):
                if other.startswith(prefix) and other != label:
                    return other, what
    return None


def from_document(labels: list[str], corresponding_adjustment: str) -> list[str]:
    """The vocabulary's labels an issuance document states, sorted: its ``labels`` as the
    registry spells them (``CCP``, ``CORSIA First Phase``), and its corresponding-adjustment
    status. A label without a phase (``CORSIA``) names no label: it stays in the document."""
    found = {_FROM_DOCUMENT.get(re.sub(r"[\s_]+", "-", label.strip().lower())) for label in labels}
    found.add(_FROM_ADJUSTMENT.get(corresponding_adjustment))
    return sorted(label for label in found if label is not None)
