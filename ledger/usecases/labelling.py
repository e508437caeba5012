"""Labels: apply one to a batch or revoke it, with evidence and the day it takes effect; check
that a batch carries the labels an operation requires."""

from __future__ import annotations

from datetime import date

from eventsourcing.domain import Aggregate

from ledger.aggregates.batch import CreditBatch
from ledger.aggregates.labels import VOCABULARY
from ledger.errors import InvalidArgument
from ledger.usecases.rules import MAX_EVIDENCE, check_text
from ledger.usecases.unit import UnitOfWork
from ledger.views import LabelView


def check_labels(option: str, labels: list[str]) -> list[str]:
    """Labels of the vocabulary, each once, in the order given."""
    for label in labels:
        if label not in VOCABULARY:
            raise InvalidArgument(f"{option}: expected one of {', '.join(VOCABULARY)}, found "
                                  f"{label!r}")
    return list(dict.fromkeys(labels))


def apply_label(uow: UnitOfWork, *, batch: str, label: str, evidence: str,
                effective: date | None = None, existing_ok: bool = False) -> LabelView:
    """Apply ``label`` to ``batch`` from ``effective`` (default: today), for the reason
    ``evidence`` gives (an authorisation letter, a registry notice). With ``existing_ok`` (an
    import run again), the same change already the label's last does nothing."""
    return _change(uow, batch, label, evidence, effective, "applied", existing_ok)


def revoke_label(uow: UnitOfWork, *, batch: str, label: str, evidence: str,
                 effective: date | None = None, existing_ok: bool = False) -> LabelView:
    """Revoke ``label`` from ``batch`` from ``effective`` (default: today)."""
    return _change(uow, batch, label, evidence, effective, "revoked", existing_ok)


def _change(uow: UnitOfWork, batch: str, label: str, evidence: str, effective: date | None,
            change: str, existing_ok: bool) -> LabelView:
    check_labels("--label", [label])
    check_text("--evidence", evidence, MAX_EVIDENCE)

    def decide() -> tuple[list[Aggregate], LabelView]:
        day = (effective or uow.clock().date()).isoformat()
        loaded = uow.load_batch(batch)
        view = LabelView(batch, label, change, evidence, day, sorted(loaded.labels))
        last = [h for h in loaded.label_history if h["label"] == label][-1:]
        if existing_ok and last == [{"label": label, "change": change, "evidence": evidence,
                                     "effective": day}]:
            return [], view
        if change == "applied":
            loaded.apply_label(label, evidence, day)
        else:
            loaded.revoke_label(label, evidence, day)
        return [loaded], LabelView(batch, label, change, evidence, day, sorted(loaded.labels))

    return uow.atomically(decide)


def required(batch: CreditBatch, labels: list[str]) -> list[str]:
    """The labels ``batch`` carries now, sorted, after checking it carries every one of
    ``labels`` (``label_missing`` naming the first it does not)."""
    batch.require_labels(labels)
    return sorted(batch.labels)
