"""A store that refuses writes: PostgreSQL's refusal (SQLSTATE 25006) becomes ``read_only_store``
at the two layers that meet it, and a unit of work knows it is on one before writing.

A session with ``default_transaction_read_only`` refuses writes exactly as a hot standby does,
so these run on the shared server; ``tests/integration/test_standby.py`` runs a real standby.
Only PostgreSQL is ever read-only: an embedded SQLite file is its own primary.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.errors import NotCheckpointed, ReadOnlyStore
from ledger.projections.connect import open_database
from ledger.settings import Settings
from ledger.store.location import store_errors
from ledger.usecases import checkpoints, holdings, minting, projecting, reads, reservations
from ledger.usecases.unit import UnitOfWork
from tests.support.builders import issuance, open_buyers

LEAF = "ART:ART102-2021-11"
REFUSAL = ("expected a writable primary, found a read-only server (a hot standby); run writes "
           "on the primary")


pytestmark = pytest.mark.postgres


@pytest.fixture
def db_url(pg_url: str) -> str:
    """PostgreSQL only (the conftest's runs every test on SQLite too)."""
    return pg_url


@pytest.fixture
def read_only(ledger: UnitOfWork, monkeypatch: pytest.MonkeyPatch) -> None:
    """A little history; from then on every new PostgreSQL session of this process refuses
    writes."""
    minting.mint(ledger, document=issuance())
    open_buyers(ledger, "acme")
    reservations.reserve(ledger, buyer="acme", quantity=10, idempotency_key="po-1")
    reservations.settle(ledger, reservation="po-1")
    projecting.project(ledger)
    holdings.retire(ledger, holder="acme", batch=LEAF, quantity=4, beneficiary="Acme",
                    reason="claim", claim_period="2025", idempotency_key="ret-1")
    monkeypatch.setenv("PGOPTIONS", "-c default_transaction_read_only=on")


def test_a_primary_or_an_embedded_file_is_not_read_only_and_takes_writes(
    ledger: UnitOfWork, tmp_path: Path,
) -> None:
    assert ledger.read_only is False
    ledger.require_writable()
    minting.mint(ledger, document=issuance())
    assert UnitOfWork(Settings(db=str(tmp_path / "ledger.db"))).read_only is False


@pytest.mark.usefixtures("read_only")
def test_a_write_through_the_event_store_is_refused_as_read_only_store(
    settings: Settings, ledger: UnitOfWork,
) -> None:
    standby = UnitOfWork(settings)
    try:
        account = ledger.load_account("acme")
        account.update_eligibility(False, [1, 2, 3])
        with pytest.raises(ReadOnlyStore) as refused, store_errors(settings.location):
            standby.events.record([account])  # past the unit's own check: the server refuses
    finally:
        standby.close()
    assert refused.value.code == "read_only_store" and refused.value.exit_code == 1
    assert refused.value.message == f"store {settings.location.redacted}: {REFUSAL}"


@pytest.mark.usefixtures("read_only")
def test_a_write_through_the_projections_database_is_refused_as_read_only_store(
    settings: Settings,
) -> None:
    db = open_database(settings.location)
    try:
        assert db.read_only() is True
        with pytest.raises(ReadOnlyStore) as refused, db.locked("balances") as tx:
            tx.execute("CREATE TABLE IF NOT EXISTS projection_positions (name TEXT)")
    finally:
        db.close()
    assert refused.value.message == f"store {settings.location.redacted}: {REFUSAL}"


class Heard:
    """A progress that keeps the notes it is told."""

    def __init__(self) -> None:
        self.notes: list[str] = []

    def __call__(self, what: str, done: int, total: int | None = None) -> None:
        pass

    def note(self, message: str) -> None:
        self.notes.append(message)


@pytest.mark.usefixtures("read_only")
def test_a_unit_on_a_read_only_store_refuses_writes_up_front_and_reads_as_is(
    settings: Settings, ledger: UnitOfWork,
) -> None:
    head = ledger.events.head()
    standby, heard = UnitOfWork(settings), Heard()
    try:
        assert standby.read_only is True
        for write in (lambda: minting.mint(standby, document=issuance(issuance_id="ART-2")),
                      lambda: projecting.project(standby),
                      lambda: checkpoints.sign_head(standby)):
            with pytest.raises(ReadOnlyStore):
                write()
        acme = reads.balance(standby, holder="acme", progress=heard)
        with pytest.raises(NotCheckpointed):
            checkpoints.prove_retirement(standby, retirement="ret-1")
    finally:
        standby.close()
    assert [line.retired for line in acme.batches] == [0]  # as projected: before the retirement
    assert heard.notes == [f"read-only store: reading the projection balances as it is, at "
                           f"position {head - 2} of {head}"]
