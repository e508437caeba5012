"""The read models on SQLite and PostgreSQL: equal to the ledger's own answers, exactly once,
rebuildable from zero, and open to a projection that needs the stored bytes."""

from __future__ import annotations

import contextlib
import hashlib
import random
from datetime import timedelta
from typing import Any

import pytest

from ledger.errors import AccountNotFound, ConservationViolated, LedgerError, NotFound
from ledger.projections.balances import Balances, balance, balances
from ledger.projections.connect import open_database
from ledger.projections.merkle_log import MerkleLog
from ledger.projections.retirements import Retirements, retirements, totals
from ledger.projections.runner import (
    Database,
    Decoder,
    Item,
    Projection,
    Runner,
    catch_up,
)
from ledger.projections.supply import Supply, supply
from ledger.serials.pools import POOLS
from ledger.settings import Settings
from ledger.usecases import cancellations, holdings, minting, reads, reservations
from ledger.usecases.unit import UnitOfWork
from ledger.views import BalanceLine, BalanceView
from tests.support.builders import isometric_issuance, issuance, open_buyers
from tests.support.clock import Clock

LEAF = "ART:ART102-2021-11"
BUYERS = ("acme", "globex", "initech", "umbrella")


def runners(ledger: UnitOfWork, db: Database, chunk_size: int = 500) -> list[Runner]:
    decoder = Decoder(ledger.events)
    return [Runner(ledger.events, db, p(), chunk_size, decoder)
            for p in (Balances, Supply, Retirements)]


def project(ledger: UnitOfWork, db: Database, chunk_size: int = 500) -> int:
    return catch_up(runners(ledger, db, chunk_size))


def rows(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every projection table, sorted: what "the same rows" means."""
    tables = [*Balances.tables, *Supply.tables, *Retirements.tables]
    return {t: sorted(db.execute(f"SELECT * FROM {t}")) for t in tables}


class History:
    """A seeded random history through the Ledger API: every use case, refusals included
    (they write nothing)."""

    def __init__(self, ledger: UnitOfWork, clock: Clock, seed: int = 7) -> None:
        self.ledger, self.clock, self.rng = ledger, clock, random.Random(seed)
        self.batches: list[str] = []
        self.reservations: list[str] = []
        self.serial = 1
        open_buyers(ledger, *BUYERS)

    def run(self, steps: int) -> None:
        ops = [self.mint, self.reserve, self.settle, self.release, self.wait, self.transfer,
               self.retire, self.cancel]
        for _ in range(steps):
            op = self.rng.choices(
                ops, weights=[1 if self.batches else 100, 6, 5, 2, 1, 3, 4, 2])[0]
            with contextlib.suppress(LedgerError):
                op()

    def mint(self) -> None:
        size, source = self.rng.randint(50, 400), self.rng.choice(["LEAF", "DAC"])
        document = issuance(source, f"B-{self.serial}", first=self.serial,
                            last=self.serial + size - 1, vintage=self.rng.randint(2019, 2024))
        self.batches.append(minting.mint(self.ledger, document=document).batch)
        self.serial += size

    def reserve(self) -> None:
        self.reservations.append(reservations.reserve(
            self.ledger, buyer=self.rng.choice(BUYERS), quantity=self.rng.randint(1, 60),
            batch=self.rng.choice(self.batches),
            expires_in=timedelta(hours=self.rng.randint(1, 48))).reservation)

    def _reservation(self) -> str:
        if not self.reservations:
            raise LedgerError("no open reservation")
        return self.reservations.pop(self.rng.randrange(len(self.reservations)))

    def settle(self) -> None:
        reservations.settle(self.ledger, reservation=self._reservation())

    def release(self) -> None:
        reservations.release(self.ledger, reservation=self._reservation())

    def wait(self) -> None:
        # Reservations past their expiry expire when next touched; the sweep (which loads
        # every reservation) runs now and then.
        self.clock.advance(timedelta(hours=self.rng.randint(1, 24)))
        if self.rng.random() < 0.1:
            reservations.expire_due(self.ledger)

    def transfer(self) -> None:
        sender, recipient = self.rng.sample(BUYERS, 2)
        holdings.transfer(self.ledger, sender=sender, recipient=recipient,
                          batch=self.rng.choice(self.batches), quantity=self.rng.randint(1, 20))

    def retire(self) -> None:
        buyer = self.rng.choice(BUYERS)
        holder, for_whom = self.rng.choice([(buyer, None), ("operator", buyer)])
        holdings.retire(self.ledger, holder=holder, batch=self.rng.choice(self.batches),
                        quantity=self.rng.randint(1, 15), beneficiary=f"{buyer} Inc",
                        reason="offsetting", claim_period=str(self.rng.randint(2023, 2026)),
                        on_behalf_of=for_whom)

    def cancel(self) -> None:
        holder = self.rng.choice(["operator", *BUYERS])
        cancellations.cancel(self.ledger, holder=holder, batch=self.rng.choice(self.batches),
                             quantity=self.rng.randint(1, 15), kind="compliance",
                             reason="CORSIA")


def balance_of_batches(ledger: UnitOfWork, holder: str) -> BalanceView:
    """A holder's balance read from the batch aggregates themselves: the projection's oracle."""
    lines = []
    for ref in ledger.load_catalogue().references():
        b = ledger.load_batch(ref)
        is_operator = b.operator == holder
        line = BalanceLine(
            ref,
            b.count(b.pool_of(holder)),
            b.count("reserved") if is_operator else b.reserved_for.get(holder, 0),
            b.retired_by.get(holder, 0),
            b.cancelled_by.get(holder, 0),
        )
        if line.available or line.reserved or line.retired or line.cancelled:
            lines.append(line)
    return BalanceView(holder, lines)


class TestBalances:
    def test_every_holders_balance_equals_the_ledgers_balance(
        self, ledger: UnitOfWork, db: Database, clock: Clock
    ) -> None:
        History(ledger, clock).run(60)
        project(ledger, db)
        for holder in ["operator", *BUYERS]:
            assert balance(db, holder) == balance_of_batches(ledger, holder)
        assert [b.holder for b in balances(db)] == sorted(["operator", *BUYERS])

    def test_the_operator_sees_every_reserved_credit_and_a_buyer_only_its_own(
        self, ledger: UnitOfWork, db: Database
    ) -> None:
        minting.mint(ledger, document=issuance(first=1, last=100))
        open_buyers(ledger, "acme", "globex")
        reservations.reserve(ledger, buyer="acme", quantity=10, batch=LEAF)
        reservations.reserve(ledger, buyer="globex", quantity=5, batch=LEAF)
        project(ledger, db)
        operator, acme = balance(db, "operator").batches[0], balance(db, "acme").batches[0]
        assert (operator.available, operator.reserved) == (85, 15)
        assert (acme.available, acme.reserved) == (0, 10)

    def test_a_holder_without_credits_has_no_lines(self, ledger: UnitOfWork, db: Database) -> None:
        open_buyers(ledger, "acme")
        project(ledger, db)
        assert balance(db, "acme").batches == []

    def test_an_unknown_holder_raises_account_not_found(
        self, ledger: UnitOfWork, db: Database
    ) -> None:
        project(ledger, db)
        with pytest.raises(AccountNotFound):
            balance(db, "ghost")


class TestSupply:
    def test_each_batch_equals_the_ledgers_batch(
        self, ledger: UnitOfWork, db: Database, clock: Clock
    ) -> None:
        History(ledger, clock).run(60)
        project(ledger, db)
        for row in supply(db):
            view = reads.show_batch(ledger, batch=row["batch"])
            assert row == {"batch": view.batch, "source": view.source, "vintage": view.vintage,
                           "minted": view.minted, "available": view.available,
                           "reserved": view.reserved, "held": view.held,
                           "retired": view.retired, "cancelled": view.cancelled,
                           "buffer": view.buffer, "reversed": view.reversed,
                           "unit": view.unit}

    def test_rollups_by_source_and_vintage_sum_the_batches(
        self, ledger: UnitOfWork, db: Database, clock: Clock
    ) -> None:
        History(ledger, clock).run(40)
        project(ledger, db)
        batches = supply(db)
        for by in ("source", "vintage"):
            for group in supply(db, by):
                members = [b for b in batches if b[by] == group[by]]
                for count in ("minted", *POOLS):
                    assert group[count] == sum(b[count] for b in members)
                assert group["minted"] == sum(group[c] for c in POOLS)

    def test_a_broken_conservation_invariant_stops_the_projection_where_it_was(
        self, ledger: UnitOfWork, db: Database
    ) -> None:
        minting.mint(ledger, document=issuance(first=1, last=100))
        open_buyers(ledger, "acme")
        project(ledger, db)
        db.execute("UPDATE supply SET held = held + 1")  # corrupt the row behind its back
        reservations.reserve(ledger, buyer="acme", quantity=10, batch=LEAF)
        runner = Runner(ledger.events, db, Supply())
        before = runner.position()
        with pytest.raises(ConservationViolated, match="expected minted 100"):
            catch_up([runner])
        assert runner.position() == before


class TestRetirements:
    def test_every_retirement_is_listed_as_the_ledger_recorded_it(
        self, ledger: UnitOfWork, db: Database, clock: Clock
    ) -> None:
        History(ledger, clock).run(60)
        project(ledger, db)
        listed = retirements(db)
        assert listed
        for row in listed:
            view = reads.show_retirement(ledger, retirement=row["retirement"])
            assert row["retired_at"] == view.retired_at.isoformat()
            assert [row["buyer"], row["holder"], row["beneficiary"], row["batch"],
                    row["quantity"], row["reason"], row["claim_period"], row["source"],
                    row["vintage"]] == [view.buyer, view.holder, view.beneficiary, view.batch,
                                        view.quantity, view.reason, view.claim_period,
                                        view.source, view.vintage]
            assert row["blocks"] == [[b.first, b.last] for b in view.blocks]

    def test_totals_per_buyer_by_year_and_source_sum_its_retirements(
        self, ledger: UnitOfWork, db: Database
    ) -> None:
        minting.mint(ledger, document=issuance(first=1, last=100))
        dac = minting.mint(ledger, document=issuance("DAC", first=1, last=50)).batch
        open_buyers(ledger, "acme", "globex")
        holdings.retire(ledger, holder="operator", batch=LEAF, quantity=7, beneficiary="Acme",
                        reason="claim", claim_period="2025", on_behalf_of="acme")
        holdings.retire(ledger, holder="operator", batch=dac, quantity=3, beneficiary="Acme",
                        reason="claim", claim_period="2025", on_behalf_of="acme")
        holdings.retire(ledger, holder="operator", batch=LEAF, quantity=2, beneficiary="Globex",
                        reason="claim", claim_period="2024", on_behalf_of="globex")
        project(ledger, db)
        year = retirements(db)[0]["year"]
        assert totals(db, "source", buyer="acme") == [
            {"buyer": "acme", "source": "DAC", "quantity": 3, "unit": "t", "retirements": 1},
            {"buyer": "acme", "source": "LEAF", "quantity": 7, "unit": "t", "retirements": 1},
        ]
        assert totals(db, "year") == [
            {"buyer": "acme", "year": year, "quantity": 10, "unit": "t", "retirements": 2},
            {"buyer": "globex", "year": year, "quantity": 2, "unit": "t", "retirements": 1},
        ]
        kg = minting.mint(ledger, document=isometric_issuance()).batch
        holdings.retire(ledger, holder="operator", batch=kg, quantity=1250, beneficiary="Acme",
                        reason="claim", claim_period="2025", on_behalf_of="acme")
        project(ledger, db)
        assert totals(db, "source", buyer="acme") == [  # tonnes and kilograms: kilograms
            {"buyer": "acme", "source": "DAC", "quantity": 4250, "unit": "kg", "retirements": 2},
            {"buyer": "acme", "source": "LEAF", "quantity": 7, "unit": "t", "retirements": 1},
        ]
        by_source = {r["source"]: r for r in supply(db, "source")}
        assert (by_source["DAC"]["unit"], by_source["DAC"]["minted"]) == ("kg", 50_000 + 3000)
        assert (by_source["LEAF"]["unit"], by_source["LEAF"]["minted"]) == ("t", 100)
        assert [r["buyer"] for r in retirements(db, buyer="globex", year=year)] == ["globex"]
        assert retirements(db, year=year - 1) == []


class TestRunner:
    def test_catching_up_incrementally_ends_with_the_rows_of_a_rebuild_from_zero(
        self, ledger: UnitOfWork, db: Database, clock: Clock
    ) -> None:
        history, rng = History(ledger, clock), random.Random(11)
        for _ in range(5):
            history.run(40)
            project(ledger, db, chunk_size=rng.randint(1, 40))
        incremental = rows(db)
        for runner in runners(ledger, db):
            runner.rebuild()
        project(ledger, db, chunk_size=500)
        assert rows(db) == incremental

    def test_a_chunk_written_at_once_leaves_the_rows_of_one_event_at_a_time(
        self, ledger: UnitOfWork, db: Database, clock: Clock
    ) -> None:
        """Balances, supply and the Merkle log write a chunk in a few statements: the rows
        (every Merkle node included) are those of applying each event on its own."""
        History(ledger, clock, seed=5).run(150)
        chosen = [*runners(ledger, db), Runner(ledger.events, db, MerkleLog())]
        catch_up(chosen)
        tables = [*Balances.tables, *Supply.tables, *Retirements.tables, *MerkleLog.tables]
        at_once = {t: sorted(db.execute(f"SELECT * FROM {t}")) for t in tables}
        for runner in chosen:
            runner.rebuild()
        one_by_one = [Runner(ledger.events, db, r.projection.__class__(), chunk_size=1)
                      for r in chosen]
        catch_up(one_by_one)
        assert {t: sorted(db.execute(f"SELECT * FROM {t}")) for t in tables} == at_once

    def test_projections_caught_up_together_verify_each_event_once_wherever_they_stand(
        self, ledger: UnitOfWork, db: Database, clock: Clock
    ) -> None:
        history = History(ledger, clock, seed=3)
        history.run(60)
        project(ledger, db)
        history.run(60)
        # A decoder that remembers no more than a chunk: only reading together saves work.
        decoder, verified = Decoder(ledger.events, size=20), []
        behind = [Runner(ledger.events, db, p(), 20, decoder)
                  for p in (Balances, Supply, Retirements, MerkleLog)]
        behind[1].rebuild()  # supply starts again from zero; the others are part way
        original = ledger.events.mapper.verify

        def counting(stored: Any, *checked: Any) -> Any:
            verified.append(stored.id)
            return original(stored, *checked)

        ledger.events.mapper.verify = counting  # type: ignore[method-assign]
        catch_up(behind)
        assert sorted(verified) == sorted(set(verified))
        assert all(r.position() == r.head() for r in behind)
        rebuilt = rows(db)
        for runner in behind:
            runner.rebuild()
        project(ledger, db)
        assert rows(db) == rebuilt

    def test_the_position_reaches_the_head_when_the_last_events_are_not_for_it(
        self, ledger: UnitOfWork, db: Database
    ) -> None:
        minting.mint(ledger, document=issuance(first=1, last=100))
        open_buyers(ledger, "acme", "globex")  # no Retirements event after the mint
        runner = Runner(ledger.events, db, Retirements())
        catch_up([runner])
        assert runner.position() == runner.head()

    def test_a_runner_that_loses_the_race_for_a_batch_applies_none_of_it(
        self, ledger: UnitOfWork, db: Database, settings: Settings
    ) -> None:
        minting.mint(ledger, document=issuance(first=1, last=100))
        open_buyers(ledger, "acme")
        reservations.settle(ledger, reservation=reservations.reserve(
            ledger, buyer="acme", quantity=10, batch=LEAF).reservation)
        other_db = open_database(settings.location)
        winner = Runner(ledger.events, other_db, Supply())
        winner.setup()

        class Racing(Decoder):
            """Lets the winner apply the same batch while the loser is decoding it."""

            def __call__(self, notification: Any) -> Item:
                if winner.position() < notification.id:
                    winner.step(winner.head())
                return super().__call__(notification)

        loser = Runner(ledger.events, db, Supply(), decoder=Racing(ledger.events))
        loser.setup()
        assert loser.step(loser.head()) == 0
        assert loser.position() == winner.position() == ledger.events.recorder.max_notification_id()
        assert supply(db)[0]["held"] == 10
        other_db.close()

    def test_reading_a_projection_never_built_raises_not_found(self, db: Database) -> None:
        with pytest.raises(NotFound, match="ledger project"):
            balance(db, "operator")

    def test_a_handler_gets_the_exact_stored_bytes_with_the_verified_event(
        self, ledger: UnitOfWork, db: Database
    ) -> None:
        minting.mint(ledger, document=issuance(first=1, last=100))

        class Leaves(Projection):
            """The shape of a transparency log: every event, hashed from its stored bytes."""

            name = "test_leaves"
            tables = ("test_leaves",)
            ddl = ("CREATE TABLE IF NOT EXISTS test_leaves (position BIGINT PRIMARY KEY, "
                   "topic TEXT NOT NULL, digest TEXT NOT NULL)",)

            def apply(self, tx: Database, item: Item) -> None:
                assert item.event.originator_id == item.notification.originator_id
                tx.execute("INSERT INTO test_leaves VALUES (?, ?, ?)", [
                    item.notification.id, item.notification.topic,
                    hashlib.sha256(item.notification.state).hexdigest()])

        catch_up([Runner(ledger.events, db, Leaves(), chunk_size=2)])
        stored = ledger.events.recorder.select_notifications(1, 1000)
        assert db.execute("SELECT * FROM test_leaves ORDER BY position") == [
            (n.id, n.topic, hashlib.sha256(n.state).hexdigest()) for n in stored]
