"""Model-based random testing: random histories against a simple model of every serial.

After every step: minted = available + reserved + held + retired + cancelled per batch, no
serial is in two places, the ledger's blocks are exactly the model's serials, and retired and
cancelled credits never move.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    rule,
)

from ledger.aggregates.cancellation import KINDS
from ledger.aggregates.labels import VOCABULARY
from ledger.errors import (
    InsufficientCredits,
    LabelConflict,
    ReservationEnded,
    ReservationExpired,
    RetirementNotPending,
)
from ledger.serials.pools import POOLS
from ledger.settings import Settings
from ledger.usecases import (
    accounts,
    cancellations,
    confirmations,
    holdings,
    labelling,
    minting,
    reads,
    reservations,
    setup,
)
from ledger.usecases.unit import UnitOfWork
from tests.support.builders import isometric_issuance, issuance
from tests.support.clock import Clock

BUYERS = ("acme", "globex", "initech")
AVAILABLE = "available"


class LedgerMachine(RuleBasedStateMachine):
    opened = Bundle("reservations")

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="ledger-model-"))
        settings_ = Settings(db=str(self.tmp / "l.db"), key_dir=str(self.tmp / "keys"))
        setup.initialise(settings_)
        first = UnitOfWork(settings_)
        first.close()
        self.clock = Clock()
        self.ledger = UnitOfWork(settings_, clock=self.clock)
        # batch -> serial -> place ("available", "reserved:<id>", "held:<h>", "retired",
        # "cancelled")
        self.places: dict[str, dict[int, str]] = {}
        self.retired: dict[str, set[int]] = defaultdict(set)
        self.cancelled: dict[str, set[int]] = defaultdict(set)
        self.labels: dict[str, set[str]] = {}
        # pending retirements: id -> (batch, holder, serials)
        self.pending: dict[str, tuple[str, str, list[int]]] = {}
        self.open: dict[str, tuple[str, int]] = {}
        self.next_serial = 1

    def teardown(self) -> None:
        self.ledger.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    @initialize()
    def open_buyers(self) -> None:
        for handle in BUYERS:
            accounts.open_account(self.ledger, handle=handle, name=handle, role="buyer",
                                  climate_pledge=True, scope_targets=[])

    def serials_in(self, batch: str, place: str) -> list[int]:
        return sorted(s for s, p in self.places[batch].items() if p == place)

    def move(self, batch: str, serials: list[int], place: str) -> None:
        for s in serials:
            self.places[batch][s] = place

    @rule(size=st.integers(1, 40), source=st.sampled_from(["LEAF", "DAC", "kg"]))
    def mint(self, size: int, source: str) -> None:
        first = self.next_serial
        ref_id = f"B-{first}"
        document = (isometric_issuance(first, first + size) if source == "kg"
                    else issuance(source, ref_id, first=first, last=first + size - 1))
        view = minting.mint(self.ledger, document=document)
        assert view.unit == ("kg" if source == "kg" else "t")
        self.places[view.batch] = dict.fromkeys(range(first, first + size), AVAILABLE)
        self.labels[view.batch] = set(reads.show_batch(self.ledger, batch=view.batch).labels)
        self.next_serial += size

    @rule(target=opened, buyer=st.sampled_from(BUYERS), quantity=st.integers(1, 30),
          pick=st.integers(0, 10))
    def reserve(self, buyer: str, quantity: int, pick: int) -> str:
        if not self.places:
            return ""
        batch = sorted(self.places)[pick % len(self.places)]
        free = self.serials_in(batch, AVAILABLE)
        if quantity > len(free):
            with pytest.raises(InsufficientCredits):
                reservations.reserve(self.ledger, buyer=buyer, quantity=quantity, batch=batch)
            return ""
        view = reservations.reserve(self.ledger, buyer=buyer, quantity=quantity, batch=batch,
                                    expires_in=timedelta(hours=1))
        assert [s for b in view.blocks for s in range(b.first, b.last + 1)] == free[:quantity]
        self.move(batch, free[:quantity], f"reserved:{view.reservation}")
        self.open[view.reservation] = (batch, quantity)
        return view.reservation

    @rule(reservation=consumes(opened), how=st.sampled_from(["settle", "release"]))
    def end(self, reservation: str, how: str) -> None:
        if reservation not in self.open:
            return
        batch, _ = self.open.pop(reservation)
        reserved = self.serials_in(batch, f"reserved:{reservation}")
        buyer = reads.show_reservation(self.ledger, reservation=reservation).buyer
        end, other = ((reservations.settle, reservations.release) if how == "settle"
                      else (reservations.release, reservations.settle))
        end(self.ledger, reservation=reservation)
        self.move(batch, reserved, f"held:{buyer}" if how == "settle" else AVAILABLE)
        assert end(self.ledger, reservation=reservation).status in ("settled", "released")
        with pytest.raises(ReservationEnded):
            other(self.ledger, reservation=reservation)

    @rule()
    def expire_all(self) -> None:
        self.clock.advance(timedelta(hours=2))
        expired = {v.reservation for v in reservations.expire_due(self.ledger)}
        assert expired == set(self.open)
        for reservation, (batch, _) in self.open.items():
            self.move(batch, self.serials_in(batch, f"reserved:{reservation}"), AVAILABLE)
            with pytest.raises((ReservationEnded, ReservationExpired)):
                reservations.settle(self.ledger, reservation=reservation)
        self.open.clear()

    @rule(sender=st.sampled_from(BUYERS), recipient=st.sampled_from(BUYERS),
          quantity=st.integers(1, 20), pick=st.integers(0, 10))
    def transfer(self, sender: str, recipient: str, quantity: int, pick: int) -> None:
        if not self.places or sender == recipient:
            return
        batch = sorted(self.places)[pick % len(self.places)]
        held = self.serials_in(batch, f"held:{sender}")
        if quantity > len(held):
            with pytest.raises(InsufficientCredits):
                holdings.transfer(self.ledger, sender=sender, recipient=recipient, batch=batch,
                                  quantity=quantity)
            return
        holdings.transfer(self.ledger, sender=sender, recipient=recipient, batch=batch,
                          quantity=quantity)
        self.move(batch, held[:quantity], f"held:{recipient}")

    @rule(holder=st.sampled_from(BUYERS), quantity=st.integers(1, 20), pick=st.integers(0, 10))
    def retire(self, holder: str, quantity: int, pick: int) -> None:
        if not self.places:
            return
        batch = sorted(self.places)[pick % len(self.places)]
        held = self.serials_in(batch, f"held:{holder}")
        if quantity > len(held):
            with pytest.raises(InsufficientCredits):
                holdings.retire(self.ledger, holder=holder, batch=batch, quantity=quantity,
                                beneficiary=holder, reason="claim", claim_period="2025")
            return
        view = holdings.retire(self.ledger, holder=holder, batch=batch, quantity=quantity,
                               beneficiary=holder, reason="claim", claim_period="2025")
        assert [s for b in view.blocks for s in range(b.first, b.last + 1)] == held[:quantity]
        self.move(batch, held[:quantity], "retired")
        self.retired[batch].update(held[:quantity])
        self.pending[view.retirement] = (batch, holder, held[:quantity])

    @rule(pick=st.integers(0, 10), revert=st.booleans())
    def settle_retirement(self, pick: int, revert: bool) -> None:
        """The registry confirms a pending retirement, or it is reverted: its serials go
        back to the holder. Either way it is pending no more."""
        if not self.pending:
            return
        rid = sorted(self.pending)[pick % len(self.pending)]
        batch, holder, serials = self.pending.pop(rid)
        if not revert:
            confirmations.confirm_retirement(self.ledger, retirement=rid, registry_ref=rid[:8])
        else:
            confirmations.revert_retirement(self.ledger, retirement=rid, reason="model")
            self.move(batch, serials, f"held:{holder}")
            self.retired[batch].difference_update(serials)
        with pytest.raises(RetirementNotPending):
            confirmations.revert_retirement(self.ledger, retirement=rid, reason="again")

    @rule(holder=st.sampled_from(("operator", *BUYERS)), quantity=st.integers(1, 20),
          pick=st.integers(0, 10), kind=st.sampled_from(KINDS))
    def cancel(self, holder: str, quantity: int, pick: int, kind: str) -> None:
        if not self.places:
            return
        batch = sorted(self.places)[pick % len(self.places)]
        movable = self.serials_in(batch, AVAILABLE if holder == "operator" else f"held:{holder}")
        if quantity > len(movable):
            with pytest.raises(InsufficientCredits):
                cancellations.cancel(self.ledger, holder=holder, batch=batch, quantity=quantity,
                                     kind=kind, reason="model")
            return
        view = cancellations.cancel(self.ledger, holder=holder, batch=batch, quantity=quantity,
                                    kind=kind, reason="model")
        assert [s for b in view.blocks for s in range(b.first, b.last + 1)] == movable[:quantity]
        self.move(batch, movable[:quantity], "cancelled")
        self.cancelled[batch].update(movable[:quantity])

    @rule(quantity=st.integers(1, 20), pick=st.integers(0, 10))
    def withdraw(self, quantity: int, pick: int) -> None:
        if not self.places:
            return
        batch = sorted(self.places)[pick % len(self.places)]
        free = self.serials_in(batch, AVAILABLE)
        if quantity > len(free):
            with pytest.raises(InsufficientCredits):
                cancellations.withdraw(self.ledger, batch=batch, quantity=quantity, reason="m")
            return
        cancellations.withdraw(self.ledger, batch=batch, quantity=quantity, reason="m")
        self.move(batch, free[:quantity], "cancelled")
        self.cancelled[batch].update(free[:quantity])

    @rule(label=st.sampled_from(sorted(VOCABULARY)), pick=st.integers(0, 10))
    def label(self, label: str, pick: int) -> None:
        if not self.places:
            return
        batch = sorted(self.places)[pick % len(self.places)]
        carried = self.labels[batch]
        if label in carried:
            labelling.revoke_label(self.ledger, batch=batch, label=label, evidence="model")
            carried.discard(label)
        elif label.startswith("ca:") and any(c.startswith("ca:") for c in carried):
            with pytest.raises(LabelConflict):
                labelling.apply_label(self.ledger, batch=batch, label=label, evidence="model")
        else:
            labelling.apply_label(self.ledger, batch=batch, label=label, evidence="model")
            carried.add(label)

    @invariant()
    def every_serial_is_exactly_where_the_model_says(self) -> None:
        for ref, places in self.places.items():
            batch = self.ledger.load_batch(ref)
            seen: dict[int, str] = {}
            for pool, blocks in batch.pools.items():
                for block in blocks:
                    for serial in range(block.first, block.last + 1):
                        assert serial not in seen, f"serial {serial} in {seen[serial]} and {pool}"
                        seen[serial] = pool
            expected = {s: ("reserved" if p.startswith("reserved:") else p)
                        for s, p in places.items()}
            assert seen == expected
            t = batch.totals()
            assert t["minted"] == sum(t[pool] for pool in POOLS)
            assert self.retired[ref] == {s for s, p in places.items() if p == "retired"}
            assert self.cancelled[ref] == {s for s, p in places.items() if p == "cancelled"}
            assert set(batch.labels) == self.labels[ref]


LedgerMachine.TestCase.settings = settings(
    max_examples=25, stateful_step_count=25, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_random_histories_keep_every_serial_accounted_for = LedgerMachine.TestCase
