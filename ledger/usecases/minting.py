"""Minting: a batch from an issuance document, into the operator's inventory, once."""

from __future__ import annotations

from eventsourcing.domain import Aggregate

from ledger import ids
from ledger.aggregates.batch import CreditBatch
from ledger.aggregates.labels import from_document
from ledger.aggregates.serial_scope import SerialScope
from ledger.documents import IssuanceDocument
from ledger.errors import AlreadyMinted, SerialOverlap
from ledger.serials import SerialRange
from ledger.serials.native import serial_scope
from ledger.usecases.reads import minted_document
from ledger.usecases.unit import UnitOfWork
from ledger.views import MintView


def mint(uow: UnitOfWork, *, document: IssuanceDocument, existing_ok: bool = False) -> MintView:
    """Mint the batch ``document`` describes. Its serials must be unused in their serial scope
    (``serial_overlap``) and the issuance new (``already_minted``); with ``existing_ok`` (an
    import run again) the same document minted before returns its batch instead."""
    reference = document.reference
    scope = serial_scope(document.registry, document.serial_native)
    serials = SerialRange(document.serial_first, document.serial_last)

    def decide() -> tuple[list[Aggregate], MintView]:
        if (done := uow.find(CreditBatch, ids.batch_id(reference))) is not None:
            same = minted_document(uow, batch=reference) == document.model_dump(mode="json")
            if existing_ok and same:
                return [], MintView(reference, done.source, done.minted, done.serial_first,
                                    done.serial_last, done.scope, done.unit)
            raise AlreadyMinted(f"batch {reference}: expected a new issuance, found it minted")
        claims = uow.find(SerialScope, ids.scope_id(scope)) or SerialScope(
            id=ids.scope_id(scope), scope=scope
        )
        clashes = claims.overlaps(serials)
        if clashes:
            other, overlap = clashes[0]
            raise SerialOverlap(
                f"batch {reference}: expected serials {serials} unused in scope {scope}, "
                f"found {overlap} already minted in batch {other}"
            )
        claims.claim(reference, serials.first, serials.last)
        batch = CreditBatch(
            id=ids.batch_id(reference),
            reference=reference,
            source=document.source,
            registry=document.registry,
            issuance_id=document.issuance_id,
            scope=scope,
            vintage=document.vintage,
            serial_first=serials.first,
            serial_last=serials.last,
            operator=uow.load_operator().handle,
            document=document.model_dump(mode="json"),
            unit=document.unit,
        )
        for label in from_document(document.labels, document.corresponding_adjustment):
            batch.apply_label(label, f"issuance document {document.issuance_id}",
                              document.issued_on.isoformat())
        catalogue = uow.load_catalogue()
        catalogue.list_batch(reference, document.source)
        view = MintView(reference, document.source, serials.count, serials.first,
                        serials.last, scope, document.unit)
        return [batch, claims, catalogue], view

    return uow.atomically(decide)
