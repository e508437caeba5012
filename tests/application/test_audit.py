"""`ledger audit`: a clean history audits clean; each kind of tampering is found precisely."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ledger import ids
from ledger.audit.report import AuditReport
from ledger.audit.run import audit
from ledger.projections import balances, retirements, supply
from ledger.projections.merkle_log import MerkleLog
from ledger.projections.runner import Database, Runner, catch_up
from ledger.settings import Settings
from ledger.signing.keys import KeyDirectory
from ledger.transparency.checkpoint import Checkpoint, sign_checkpoint
from ledger.usecases import cancellations, holdings, minting, reservations
from ledger.usecases.checkpoints import sign_head
from ledger.usecases.unit import UnitOfWork
from tests.support import tamper
from tests.support.builders import issuance, open_buyers
from tests.support.clock import Clock

LEAF = "ART:ART102-2021-11"
BATCH = ids.batch_id(LEAF)


def build(ledger: UnitOfWork, db: Database) -> None:
    """A scripted history, projected and checkpointed."""
    minting.mint(ledger, document=issuance(first=1, last=1000))
    open_buyers(ledger, "acme", "globex")
    reservations.settle(ledger, reservation=reservations.reserve(
        ledger, buyer="acme", quantity=100, batch=LEAF).reservation)
    holdings.transfer(ledger, sender="acme", recipient="globex", batch=LEAF, quantity=30)
    holdings.retire(ledger, holder="acme", batch=LEAF, quantity=20, beneficiary="Acme Corp",
                    reason="claim", claim_period="2025")
    sign_head(ledger)
    holdings.retire(ledger, holder="globex", batch=LEAF, quantity=10, beneficiary="Globex",
                    reason="claim", claim_period="2025")
    reservations.release(ledger, reservation=reservations.reserve(
        ledger, buyer="globex", quantity=5, batch=LEAF).reservation)
    cancellations.cancel(ledger, holder="globex", batch=LEAF, quantity=4, kind="compliance",
                         reason="CORSIA", details="Example Air, first phase")
    cancellations.withdraw(ledger, batch=LEAF, quantity=7, reason="over-issuance")
    project(ledger, db)


def project(ledger: UnitOfWork, db: Database) -> None:
    catch_up([Runner(ledger.events, db, p) for p in (balances.Balances(), supply.Supply(),
                                              retirements.Retirements(), MerkleLog())])


def run(ledger: UnitOfWork, db: Database, **options: object) -> AuditReport:
    return audit(ledger.events, db, list(ledger.keyring.trusted.values()), **options)  # type: ignore[arg-type]


def kinds(report: AuditReport) -> set[str]:
    return {p.kind for p in report.problems}


def test_a_clean_history_audits_clean_with_every_check_counted(
    ledger: UnitOfWork, db: Database
) -> None:
    build(ledger, db)
    report = run(ledger, db, jobs=2)
    assert report.clean, report.summary()
    head = ledger.events.recorder.max_notification_id()
    assert report.events == report.signatures_checked == head
    assert report.checkpoints_checked == 1
    assert report.invariant_checks == 12  # each batch event: mint, 7 moves, 2 labels, 2 cancels
    assert report.projection_rows_compared > 2 * head  # every leaf row and stored node
    signed = db.execute("SELECT tree_size FROM checkpoints")[0][0]
    assert report.notes == [f"{head - signed} events after the last signed checkpoint (tree "
                            f"size {signed}): no signature covers them yet (`ledger checkpoint`)"]


@pytest.mark.parametrize("jobs", [1, 2], ids=["checked here", "checked by workers"])
def test_one_changed_byte_is_found_at_its_position(
    ledger: UnitOfWork, db: Database, settings: Settings, jobs: int
) -> None:
    build(ledger, db)
    tamper.flip_byte(settings, BATCH, 3, 30)
    report = run(ledger, db, jobs=jobs)
    assert "signature_invalid" in kinds(report)
    assert "checkpoint_mismatch" in kinds(report)
    bad = [p for p in report.problems if p.kind == "signature_invalid"]
    assert any(p.aggregate in (str(BATCH), None) for p in bad)


def test_a_deleted_event_breaks_the_chain_and_the_checkpoint(
    ledger: UnitOfWork, db: Database, settings: Settings
) -> None:
    build(ledger, db)
    tamper.delete(settings, BATCH, 2)
    report = run(ledger, db)
    broken = [p for p in report.problems if p.kind == "chain_broken"]
    assert broken and broken[0].aggregate == str(BATCH) and broken[0].version == 3
    assert "checkpoint_mismatch" in kinds(report)


@pytest.mark.parametrize("jobs", [1, 2], ids=["checked here", "checked by workers"])
def test_two_swapped_events_are_found(
    ledger: UnitOfWork, db: Database, settings: Settings, jobs: int
) -> None:
    build(ledger, db)
    second, third = (tamper.read_state(settings, BATCH, v) for v in (2, 3))
    tamper.set_column(settings, BATCH, 2, "state", third)
    tamper.set_column(settings, BATCH, 3, "state", second)
    report = run(ledger, db, jobs=jobs)
    swapped = [p for p in report.problems if p.kind == "signature_invalid"]
    assert {p.version for p in swapped} >= {2, 3}


def test_an_event_appended_with_a_forged_key_is_found(
    ledger: UnitOfWork, db: Database, settings: Settings, clock: Clock,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    build(ledger, db)
    forger = tamper.forger(settings, KeyDirectory(tmp_path_factory.mktemp("mallory")),
                           ledger.keyring.trusted, clock)
    holdings.retire(forger, holder="acme", batch=LEAF, quantity=1, beneficiary="Acme",
                    reason="forged", claim_period="2025")
    forger.close()
    report = run(ledger, db)
    assert "unknown_key" in kinds(report)


def test_an_edited_projection_row_is_found(ledger: UnitOfWork, db: Database) -> None:
    build(ledger, db)
    with db.locked("tamper") as tx:
        tx.execute("UPDATE balances SET retired = retired + 5 WHERE holder = 'acme'")
        tx.execute("UPDATE retirements SET beneficiary = 'Someone Else' WHERE buyer = 'globex'")
    report = run(ledger, db)
    found = [p for p in report.problems if p.kind == "projection_mismatch"]
    assert any("balances[('acme', 'ART:ART102-2021-11')]" in p.expected for p in found)
    assert any(p.expected.startswith("retirements[") for p in found)


def test_a_checkpoint_replaced_by_one_over_another_root_is_found(
    ledger: UnitOfWork, db: Database
) -> None:
    build(ledger, db)
    signer = ledger.keyring.require_signer()
    size, = db.execute("SELECT tree_size FROM checkpoints")[0]
    forged = Checkpoint(ledger.load_operator().origin, int(size), bytes(32))
    note = sign_checkpoint(forged, signer.name, signer.private_key)
    with db.locked("tamper") as tx:
        tx.execute("UPDATE checkpoints SET root_hash = ?, note = ?", [bytes(32), note])
    report = run(ledger, db)
    assert [p.kind for p in report.problems] == ["checkpoint_mismatch"]


def test_fail_fast_stops_at_the_first_problem(
    ledger: UnitOfWork, db: Database, settings: Settings
) -> None:
    build(ledger, db)
    tamper.flip_byte(settings, BATCH, 2, 30)
    tamper.flip_byte(settings, BATCH, 4, 30)
    assert len(run(ledger, db, fail_fast=True, jobs=1).problems) == 1


def test_as_of_returns_the_figures_of_that_moment(ledger: UnitOfWork, db: Database,
                                                 clock: Clock) -> None:
    minting.mint(ledger, document=issuance(first=1, last=1000))
    open_buyers(ledger, "acme")
    reservations.settle(ledger, reservation=reservations.reserve(
        ledger, buyer="acme", quantity=100, batch=LEAF).reservation)
    holdings.retire(ledger, holder="acme", batch=LEAF, quantity=20, beneficiary="Acme Corp",
                    reason="claim", claim_period="2025")
    head = ledger.events.recorder.max_notification_id()
    holdings.retire(ledger, holder="acme", batch=LEAF, quantity=30, beneficiary="Acme Corp",
                    reason="claim", claim_period="2025")
    holdings.transfer(ledger, sender="acme", recipient="operator", batch=LEAF, quantity=10)
    report = run(ledger, db, upto=head)
    assert report.clean
    supply_row = report.as_of["supply"][0]  # type: ignore[index]
    assert (supply_row["available"], supply_row["held"], supply_row["retired"]) == (900, 80, 20)
    balances_rows = {r["holder"]: r for r in report.as_of["balances"]}  # type: ignore[index]
    assert balances_rows["acme"]["available"] == 80
    assert report.as_of["retirements_by_buyer"]["acme"]  # type: ignore[index]
    everything = run(ledger, db, as_of=clock() + timedelta(days=1))
    assert everything.as_of["supply"][0]["retired"] == 50  # type: ignore[index]


def test_a_double_mint_spelt_another_way_in_an_older_store_is_found(
    ledger: UnitOfWork, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before serial scopes had one spelling, ``ART-CR-0102-…`` minted serials again; the
    audit recomputes every batch's scope the one way and finds the overlap."""
    build(ledger, db)
    monkeypatch.setattr(minting, "serial_scope", lambda registry, native: native.split("-1 ")[0])
    minting.mint(ledger, document=issuance(
        issuance_id="ART102-2021-11-AGAIN", first=901, last=1100,
        serial_native="ART-CR-0102-2021-11-901 to 1100"))
    project(ledger, db)
    report = run(ledger, db, jobs=1, allow_lag=True)
    overlaps = [p for p in report.problems if p.kind == "serial_overlap"]
    assert len(overlaps) == 1, report.summary()
    assert "901..1000 minted before by ART:ART102-2021-11" in overlaps[0].found
