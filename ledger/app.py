"""The Ledger application: the service layer. One method per use case, one atomic save each.

Decisions are made here and in the aggregates' command methods, from freshly loaded state, on
every attempt; the save is atomic across every aggregate a use case touches.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from ledger import ids, topics
from ledger.aggregates.account import ROLES, Account
from ledger.aggregates.batch import CreditBatch
from ledger.aggregates.operator import Operator
from ledger.aggregates.reservation import Reservation
from ledger.aggregates.retirement import Retirement
from ledger.aggregates.serial_scope import SerialScope
from ledger.aggregates.transfer import Transfer
from ledger.documents import DacIssuance, LeafIssuance
from ledger.errors import (
    AccountExists,
    AlreadyMinted,
    BuyerNotEligible,
    IdempotencyConflict,
    InsufficientCredits,
    InvalidArgument,
    InvalidQuantity,
    ReservationExpired,
    RuleViolated,
    SerialOverlap,
    WrongRole,
)
from ledger.eventstore import LedgerStore, describe_request
from ledger.serials import SerialRange
from ledger.serials.native import serial_scope
from ledger.signing.keys import Signer, TrustedKey
from ledger.views import (
    AccountView,
    BalanceLine,
    BalanceView,
    BatchView,
    Block,
    MintView,
    ReservationView,
    RetirementView,
    TransferView,
)

HANDLE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
MAX_QUANTITY = 10**12


class Ledger(LedgerStore):
    """Mint, reserve, settle, release, expire, transfer and retire credits."""

    # --- set-up -----------------------------------------------------------------------------

    def initialise(self, origin: str, handle: str, name: str) -> Operator:
        """Register the operator and open its inventory account; a second call changes nothing."""
        existing = self.find(Operator, ids.OPERATOR_ID)
        if existing is not None:
            return existing
        check_handle(handle)
        signer = self.keyring.require_signer()

        def decide() -> tuple[list[Aggregate], Operator]:
            operator = Operator(
                id=ids.OPERATOR_ID,
                handle=handle,
                name=name,
                origin=origin,
                verifier_key=signer.public.verifier_key,
            )
            account = Account(
                id=ids.account_id(handle),
                handle=handle,
                name=name,
                role="operator",
                climate_pledge=False,
                scope_targets=[],
            )
            return [operator, account], operator

        return self.atomically(decide)

    def rotate_key(self, new: Signer) -> datetime:
        """Record the switch to ``new``, signed by the current key; return the switch time."""

        def decide() -> tuple[list[Aggregate], datetime]:
            operator = self.operator()
            old = self.keyring.require_signer()
            # Event timestamps come from the library's clock, so the switch must too: every
            # event the old key signed so far is at or before it. Stop writers while rotating.
            switch_at = Operator.KeyRotated.create_timestamp()
            operator.rotate_key(old.key_id, new.public.verifier_key, switch_at)
            return [operator], switch_at

        switch_at = self.atomically(decide)
        old = self.keyring.require_signer().public
        self.keyring.signer = new
        self.keyring.trusted[old.key_id] = TrustedKey(
            old.name, old.public_key, self.keyring.trusted[old.key_id].valid_from, switch_at
        )
        self.keyring.trusted[new.key_id] = TrustedKey(
            new.name, new.private_key.public_key(), valid_from=switch_at
        )
        return switch_at

    # --- mint -------------------------------------------------------------------------------

    def mint(self, document: LeafIssuance | DacIssuance, *, existing_ok: bool = False) -> MintView:
        """Mint a batch. With ``existing_ok`` (bulk import re-runs), the same document minted
        before returns the batch instead of ``already_minted``."""
        reference = document.reference
        scope = serial_scope(document.registry, document.serial_native)
        serials = SerialRange(document.serial_first, document.serial_last)

        def decide() -> tuple[list[Aggregate], MintView]:
            if (done := self.find(CreditBatch, ids.batch_id(reference))) is not None:
                same = self.minted_document(done.id) == document.model_dump(mode="json")
                if existing_ok and same:
                    return [], MintView(reference, done.source, done.minted, done.serial_first,
                                        done.serial_last, done.scope)
                raise AlreadyMinted(f"batch {reference}: expected a new issuance, found it minted")
            claims = self.find(SerialScope, ids.scope_id(scope)) or SerialScope(
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
                operator=self.operator().handle,
                document=document.model_dump(mode="json"),
            )
            catalogue = self.catalogue()
            catalogue.list_batch(reference, document.source)
            view = MintView(reference, document.source, serials.count, serials.first,
                            serials.last, scope)
            return [batch, claims, catalogue], view

        return self.atomically(decide)

    # --- accounts ---------------------------------------------------------------------------

    def open_account(
        self, handle: str, name: str, role: str, climate_pledge: bool, scope_targets: list[int],
        *, existing_ok: bool = False,
    ) -> AccountView:
        check_handle(handle)
        if role not in ROLES or role == "operator":
            raise InvalidArgument(f"--role: expected buyer or buffer, found {role!r}")
        check_scopes(scope_targets)

        def decide() -> tuple[list[Aggregate], AccountView]:
            if (done := self.find(Account, ids.account_id(handle))) is not None:
                same = (done.name, done.role) == (name, role)
                if existing_ok and same:
                    return [], account_view(done)
                raise AccountExists(f"account {handle}: expected a new handle, found it taken")
            account = Account(
                id=ids.account_id(handle),
                handle=handle,
                name=name,
                role=role,
                climate_pledge=climate_pledge,
                scope_targets=sorted(set(scope_targets)),
            )
            return [account], account_view(account)

        return self.atomically(decide)

    def update_eligibility(
        self, handle: str, climate_pledge: bool, scope_targets: list[int]
    ) -> AccountView:
        check_scopes(scope_targets)

        def decide() -> tuple[list[Aggregate], AccountView]:
            account = self.account(handle)
            if account.role != "buyer":
                raise WrongRole(f"account {handle}: expected a buyer, found role {account.role}")
            account.update_eligibility(climate_pledge, sorted(set(scope_targets)))
            return [account], account_view(account)

        return self.atomically(decide)

    def eligible_buyer(self, handle: str) -> Account:
        account = self.account(handle)
        if not account.is_eligible_buyer:
            raise BuyerNotEligible(
                f"account {handle}: expected an eligible buyer, found {account.eligibility}"
            )
        return account

    # --- reservations -----------------------------------------------------------------------

    def reserve(
        self,
        buyer: str,
        quantity: int,
        *,
        batch: str | None = None,
        source: str | None = None,
        expires_in: timedelta = timedelta(days=7),
        idempotency_key: str | None = None,
    ) -> ReservationView:
        check_quantity(quantity)
        if batch and source:
            raise InvalidArgument("expected --batch or --source, found both")
        if expires_in <= timedelta(0):
            raise InvalidArgument(f"--expires-in: expected a positive duration, found {expires_in}")
        request = {"buyer": buyer, "quantity": quantity, "batch": batch, "source": source,
                   "expires_in_s": int(expires_in.total_seconds())}
        rid = ids.reservation_id(idempotency_key) if idempotency_key else uuid4()

        def decide() -> tuple[list[Aggregate], ReservationView]:
            if idempotency_key and (done := self.find(Reservation, rid)) is not None:
                same_request(done.request, request, idempotency_key)
                return [], reservation_view(done)
            self.eligible_buyer(buyer)
            refs = [batch] if batch else self.catalogue().references(source)
            batches, blocks, remaining = [], [], quantity
            for ref in refs:
                loaded = self.batch(ref)
                take = min(remaining, loaded.count("available"))
                if take:
                    taken = loaded.reserve_lowest(rid, buyer, take)
                    blocks += [Block(ref, b.first, b.last) for b in taken]
                    batches.append(loaded)
                    remaining -= take
                if not remaining:
                    break
            if remaining:
                where = f"batch {batch}" if batch else f"source {source or 'any'}"
                raise InsufficientCredits(
                    f"{where}: expected {quantity} credits available, found {quantity - remaining}"
                )
            reservation = Reservation(
                id=rid, buyer=buyer, quantity=quantity,
                blocks=[b.to_dict() for b in blocks],
                expires_at=self.clock() + expires_in, request=request,
            )
            return [reservation, *batches], reservation_view(reservation)

        return self.atomically(decide)

    def settle(self, ref: str) -> ReservationView:
        return self._end_reservation(ref, "settle")

    def release(self, ref: str) -> ReservationView:
        return self._end_reservation(ref, "release")

    def _end_reservation(self, ref: str, how: str) -> ReservationView:
        expired_at: list[str] = []

        def decide() -> tuple[list[Aggregate], ReservationView]:
            expired_at.clear()
            reservation = self.reservation(ref)
            if reservation.status == ("settled" if how == "settle" else "released"):
                return [], reservation_view(reservation)  # the same command again: a no-op
            reservation.require_open()
            now = self.clock()
            if reservation.is_due(now):
                expired_at.append(reservation.expires_at.isoformat())
                return self._expire(reservation, now), reservation_view(reservation)
            if how == "settle":
                self.eligible_buyer(reservation.buyer)
                reservation.settle(now)
            else:
                reservation.release(now)
            batches = []
            for ref_, blocks in reservation.by_batch().items():
                loaded = self.batch(ref_)
                if how == "settle":
                    loaded.settle(reservation.id, reservation.buyer, blocks)
                else:
                    loaded.release(reservation.id, reservation.buyer, blocks, expired=False)
                batches.append(loaded)
            return [reservation, *batches], reservation_view(reservation)

        view = self.atomically(decide)
        if expired_at:
            raise ReservationExpired(
                f"reservation {view.reservation}: expected it open until now, found it expired "
                f"at {expired_at[0]}; its credits were returned to the inventory"
            )
        return view

    def _expire(self, reservation: Reservation, now: Any) -> list[Aggregate]:
        reservation.expire(now)
        batches: list[Aggregate] = []
        for ref, blocks in reservation.by_batch().items():
            loaded = self.batch(ref)
            loaded.release(reservation.id, reservation.buyer, blocks, expired=True)
            batches.append(loaded)
        return [reservation, *batches]

    def expire_due(self) -> list[ReservationView]:
        """Sweep: every open reservation past its expiry returns its credits."""
        expired = []
        for rid in self.reservation_ids():
            def decide(rid: UUID = rid) -> tuple[list[Aggregate], ReservationView | None]:
                reservation = self.load(Reservation, rid, RuleViolated("vanished"))
                now = self.clock()
                if not reservation.is_due(now):
                    return [], None
                return self._expire(reservation, now), reservation_view(reservation)

            view = self.atomically(decide)
            if view is not None:
                expired.append(view)
        return expired

    def reservation_ids(self) -> list[UUID]:
        topic = topics.RESERVATION_OPENED
        found, start = [], 1
        while True:
            page = self.recorder.select_notifications(start, 500, topics=[topic])
            found += [UUID(str(n.originator_id)) for n in page]
            if len(page) < 500:
                return found
            start = page[-1].id + 1

    # --- transfers and retirements ----------------------------------------------------------

    def transfer_credits(
        self, sender: str, recipient: str, batch: str, quantity: int,
        idempotency_key: str | None = None,
    ) -> TransferView:
        check_quantity(quantity)
        if sender == recipient:
            raise InvalidArgument(f"--to: expected a holder other than --from, found {sender!r}")
        tid = ids.transfer_id(idempotency_key) if idempotency_key else uuid4()

        def decide() -> tuple[list[Aggregate], TransferView]:
            if idempotency_key and (done := self.find(Transfer, tid)) is not None:
                same_request(
                    {"from": done.sender, "to": done.recipient, "batch": done.batch,
                     "quantity": done.quantity},
                    {"from": sender, "to": recipient, "batch": batch, "quantity": quantity},
                    idempotency_key,
                )
                return [], transfer_view(done)
            self.account(sender)
            receiving = self.account(recipient)
            if receiving.role == "buyer":
                self.eligible_buyer(recipient)
            loaded = self.batch(batch)
            blocks = loaded.transfer_lowest(tid, sender, recipient, quantity)
            record = Transfer(
                id=tid, batch=batch, sender=sender, recipient=recipient, quantity=quantity,
                blocks=[b.to_list() for b in blocks], idempotency_key=idempotency_key,
            )
            return [record, loaded], transfer_view(record)

        return self.atomically(decide)

    def retire(
        self, holder: str, batch: str, quantity: int, beneficiary: str, reason: str,
        claim_period: str, on_behalf_of: str | None = None, idempotency_key: str | None = None,
    ) -> RetirementView:
        check_quantity(quantity)
        check_text("--beneficiary", beneficiary, 200)
        check_text("--reason", reason, 500)
        if not re.fullmatch(r"(19|20|21)\d\d", claim_period):
            raise InvalidArgument(f"--claim-period: expected a year YYYY, found {claim_period!r}")
        rid = ids.retirement_id(idempotency_key) if idempotency_key else uuid4()

        def decide() -> tuple[list[Aggregate], RetirementView]:
            if idempotency_key and (done := self.find(Retirement, rid)) is not None:
                asked = {"holder": holder, "batch": batch, "quantity": quantity,
                         "beneficiary": beneficiary, "reason": reason,
                         "claim_period": claim_period, "buyer": on_behalf_of or done.buyer}
                same_request({k: getattr(done, k) for k in asked}, asked, idempotency_key)
                return [], retirement_view(done)
            account = self.account(holder)
            if account.role != "buyer" and on_behalf_of is None:
                raise InvalidArgument(
                    f"--on-behalf-of: expected the buyer {holder} ({account.role}) retires for, "
                    "found none"
                )
            buyer = self.eligible_buyer(on_behalf_of or holder).handle
            loaded = self.batch(batch)
            blocks = loaded.retire_lowest(rid, holder, quantity)
            record = Retirement(
                id=rid, batch=batch, source=loaded.source, vintage=loaded.vintage,
                holder=holder, buyer=buyer, beneficiary=beneficiary, reason=reason,
                claim_period=claim_period, quantity=quantity,
                blocks=[b.to_list() for b in blocks], idempotency_key=idempotency_key,
            )
            return [record, loaded], retirement_view(record)

        return self.atomically(decide)

    # --- reads ------------------------------------------------------------------------------

    def show_batch(self, reference: str) -> BatchView:
        b = self.batch(reference)
        t = b.totals()
        return BatchView(
            b.reference, b.source, b.registry, b.issuance_id, b.scope, b.vintage,
            b.serial_first, b.serial_last, t["minted"], t["available"], t["reserved"],
            t["held"], t["retired"], b.holders(), self.minted_document(b.id),
        )

    def minted_document(self, batch_id: UUID) -> dict[str, Any]:
        minted = next(iter(self.events.get(batch_id, lte=1)))
        document: dict[str, Any] = minted.document  # type: ignore[attr-defined]
        return document

    def show_account(self, handle: str) -> AccountView:
        return account_view(self.account(handle))

    def show_reservation(self, ref: str) -> ReservationView:
        return reservation_view(self.reservation(ref))

    def show_retirement(self, ref: str) -> RetirementView:
        return retirement_view(self.retirement(ref))

    def balance(self, holder: str) -> BalanceView:
        account = self.account(holder)
        lines = []
        for ref in self.catalogue().references():
            b = self.batch(ref)
            is_operator = b.operator == holder
            line = BalanceLine(
                ref,
                b.count(b.pool_of(holder)),
                b.count("reserved") if is_operator else b.reserved_for.get(holder, 0),
                b.retired_by.get(holder, 0),
            )
            if line.available or line.reserved or line.retired:
                lines.append(line)
        return BalanceView(account.handle, lines)


# --- rules on plain values --------------------------------------------------------------------


def check_handle(handle: str) -> None:
    if not HANDLE.fullmatch(handle):
        raise InvalidArgument(
            f"handle: expected lowercase letters, digits, '.', '_' or '-' (at most 63), "
            f"found {handle!r}"
        )


def check_quantity(quantity: int) -> None:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise InvalidQuantity(f"--quantity: expected a positive whole number, found {quantity!r}")
    if quantity > MAX_QUANTITY:
        raise InvalidQuantity(f"--quantity: expected at most {MAX_QUANTITY}, found {quantity}")


def check_scopes(scopes: list[int]) -> None:
    if not set(scopes) <= {1, 2, 3}:
        raise InvalidArgument(f"--scope-targets: expected scopes among 1,2,3, found {scopes}")


def check_text(option: str, value: str, limit: int) -> None:
    if not value.strip() or len(value) > limit:
        raise InvalidArgument(f"{option}: expected 1 to {limit} characters, found {len(value)}")


def same_request(done: dict[str, Any], asked: dict[str, Any], key: str) -> None:
    if done != asked:
        raise IdempotencyConflict(
            f"idempotency key {key!r}: expected the same request as before "
            f"({describe_request(done)}), found {describe_request(asked)}"
        )


def account_view(a: Account) -> AccountView:
    return AccountView(a.handle, a.name, a.role, a.climate_pledge, a.scope_targets, a.eligibility)


def reservation_view(r: Reservation) -> ReservationView:
    blocks = [Block(b["batch"], b["first"], b["last"]) for b in r.blocks]
    return ReservationView(str(r.id), r.buyer, r.quantity, blocks, r.expires_at, r.status)


def transfer_view(t: Transfer) -> TransferView:
    blocks = [Block(t.batch, f, la) for f, la in t.blocks]
    return TransferView(str(t.id), t.batch, t.sender, t.recipient, t.quantity, blocks)


def retirement_view(r: Retirement) -> RetirementView:
    blocks = [Block(r.batch, f, la) for f, la in r.blocks]
    return RetirementView(
        str(r.id), r.batch, r.source, r.vintage, r.holder, r.buyer, r.beneficiary, r.reason,
        r.claim_period, r.quantity, blocks, r.created_on,
    )

