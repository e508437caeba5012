"""`ledger demo`: a realistic story, end to end, on a fresh embedded ledger.

An operator mints a LEAF batch (ART, TREES) and a DAC batch; two eligible buyers reserve,
settle, transfer and retire; one buyer that meets neither eligibility rule is refused; an
airline's CORSIA obligation is met by a cancellation; the buyer proves its retirement offline
and the auditor replays the whole log.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import date
from importlib import resources
from pathlib import Path

import click

from ledger.cli.text import text_of
from ledger.documents import parse_issuance
from ledger.errors import InvalidArgument, LedgerError
from ledger.quantities import Tonnes
from ledger.settings import Settings
from ledger.transparency.bundle import bundle_json
from ledger.transparency.verify import verify_bundle
from ledger.usecases import (
    accounts,
    auditing,
    cancellations,
    checkpoints,
    confirmations,
    holdings,
    labelling,
    minting,
    projecting,
    reads,
    reservations,
    setup,
)
from ledger.usecases.unit import UnitOfWork, open_unit


@click.command()
@click.option("--keep", metavar="DIR", help="Keep the demo ledger in DIR instead of a temp dir.")
def demo(keep: str | None) -> None:
    """Tell a realistic story end to end on a fresh embedded ledger."""
    if keep:
        where = Path(keep)
        if where.exists() and any(where.iterdir()):
            raise InvalidArgument(f"--keep: expected a new or empty directory, found {keep} "
                                  "with files in it")
        where.mkdir(parents=True, exist_ok=True)
        tell(where, kept=True)
        return
    with tempfile.TemporaryDirectory(prefix="ledger-demo-") as tmp:
        tell(Path(tmp), kept=False)


def example(name: str) -> bytes:
    """The example issuance documents ship inside the package."""
    return resources.files("ledger.examples").joinpath(name).read_bytes()


def step(title: str) -> None:
    print(f"\n== {title}")


def tell(where: Path, *, kept: bool) -> None:
    settings = Settings(db=str(where / "demo.db"), key_dir=str(where / "keys"))
    setup.initialise(settings, origin="demo.carbon-ledger.example/log")
    with open_unit(settings) as uow:
        story(uow, where)
        retired = reads.show_retirement(uow, retirement="ret-1").retirement
    step("11. See it as a buyer would: its public page, its proof, verified in your browser")
    if kept:
        print(f"ledger serve --db {where / 'demo.db'} --key-dir {where / 'keys'}\n"
              f"then open http://127.0.0.1:8080/retirements/{retired}")
    else:
        print("run `ledger demo --keep demo-ledger`, then\n"
              "`ledger serve --db demo-ledger/demo.db --key-dir demo-ledger/keys` and open the "
              "retirement's page it lists at http://127.0.0.1:8080/")


def story(uow: UnitOfWork, where: Path) -> None:
    print(f"A fresh ledger in {where} (SQLite), every event signed by the operator's key "
          f"{uow.keyring.require_signer().public.verifier_key}")

    step("1. Mint a LEAF batch (ART registry, TREES 2.0), a DAC batch (Puro.earth, tonnes) and "
         "a DAC batch counted in kilograms (Isometric)")
    leaf = minting.mint(uow, document=parse_issuance(example("leaf-issuance.json"),
                                                     "leaf-issuance.json"))
    dac = minting.mint(uow, document=parse_issuance(example("dac-issuance.json"),
                                                    "dac-issuance.json"))
    iso = minting.mint(uow, document=parse_issuance(example("isometric-issuance.json"),
                                                    "isometric-issuance.json"))
    print(text_of(leaf))
    print(text_of(dac))
    print(text_of(iso))

    step("2. Open buyer accounts: the policy admits Climate Pledge signatories "
         "or buyers with Scope 1, 2 and 3 targets")
    for handle, name, pledge, scopes in [
        ("northwind", "Northwind Logistics Inc.", True, []),
        ("contoso", "Contoso Foods plc", False, [1, 2, 3]),
        ("fabrikam", "Fabrikam Mining Ltd", False, [1, 2]),
    ]:
        print(text_of(accounts.open_account(uow, handle=handle, name=name, role="buyer",
                                            climate_pledge=pledge, scope_targets=scopes)))

    step("3. Reserve credits: Northwind 5,000 LEAF, Contoso 1,200 DAC; Fabrikam is refused")
    north = reservations.reserve(uow, buyer="northwind", quantity=5000, batch=leaf.batch,
                                 idempotency_key="po-2026-0001")
    print(text_of(north))
    print(text_of(reservations.reserve(uow, buyer="contoso", quantity=1200, source="DAC",
                                       idempotency_key="po-2026-0002")))
    refused("fabrikam", lambda: reservations.reserve(uow, buyer="fabrikam", quantity=100,
                                                     batch=leaf.batch))
    again = reservations.reserve(uow, buyer="northwind", quantity=5000, batch=leaf.batch,
                                 idempotency_key="po-2026-0001")
    print(f"the same request again with key po-2026-0001 returns reservation {again.reservation}"
          " and changes nothing")

    step("4. Settle both reservations: the exact reserved blocks move to the buyers")
    print(text_of(reservations.settle(uow, reservation=north.reservation)))
    print(text_of(reservations.settle(uow, reservation="po-2026-0002")))

    step("5. Northwind transfers 1,000 LEAF credits to Contoso")
    print(text_of(holdings.transfer(uow, sender="northwind", recipient="contoso",
                                    batch=leaf.batch, quantity=1000)))

    step("6. Retire: Northwind 2,500 LEAF for its 2025 claim (then the registry confirms it); "
         "Contoso 1,200 DAC removals, and 1.5 t (1,500 kg) of Isometric removals")
    print(text_of(holdings.retire(
        uow, holder="northwind", batch=leaf.batch, quantity=2500,
        beneficiary="Northwind Logistics Inc.",
        reason="Voluntary claim: 2025 Scope 3 transport emissions", claim_period="2025",
        idempotency_key="ret-1")))
    print(text_of(holdings.retire(
        uow, holder="contoso", batch=dac.batch, quantity=1200, beneficiary="Contoso Foods plc",
        reason="Net-zero pathway: durable removals for residual emissions",
        claim_period="2025")))
    print(text_of(holdings.retire(
        uow, holder="operator", batch=iso.batch, quantity=Tonnes("1.5"),
        beneficiary="Contoso Foods plc", on_behalf_of="contoso",
        reason="Durable removals, bought by the kilogram", claim_period="2025")))
    print(text_of(confirmations.confirm_retirement(
        uow, retirement="ret-1", registry_ref="ART-RET-2026-000117",
        registry_url="https://registry.example/retirements/ART-RET-2026-000117")))
    refused("retired credits are final", lambda: holdings.transfer(
        uow, sender="contoso", recipient="northwind", batch=dac.batch, quantity=1))

    step("7. The host country authorises the LEAF credits for CORSIA; an airline's CORSIA "
         "offsetting cancels 10,000 of them (no beneficiary, no claim)")
    print(text_of(labelling.apply_label(
        uow, batch=leaf.batch, label="corsia:first-phase",
        evidence="Letter of authorisation and corresponding adjustment, host country",
        effective=date(2024, 5, 1))))
    print(text_of(cancellations.cancel(
        uow, holder="operator", batch=leaf.batch, quantity=10_000, kind="compliance",
        reason="CORSIA offsetting requirements",
        details="Aeroplane operator: Example Air; CORSIA first phase (2024-2026)",
        require=["corsia:first-phase"], idempotency_key="corsia-2026-0001")))

    step("8. Where every credit is now "
         "(minted = available + reserved + held + retired + cancelled)")
    for batch in (leaf.batch, dac.batch, iso.batch):
        print(text_of(reads.show_batch(uow, batch=batch)))
    for holder in ("northwind", "contoso", "operator"):
        print(text_of(reads.balance(uow, holder=holder)))

    step("9. Northwind gets a proof of its retirement and checks it with only the public key")
    proof = where / "northwind-retirement-proof.json"
    proof.write_bytes(bundle_json(checkpoints.prove_retirement(uow, retirement="ret-1")))
    verified = verify_bundle(proof.read_bytes(), list(uow.keyring.trusted.values()))
    print(f"proof: leaf {verified.leaf_index} of a signed checkpoint of "
          f"{verified.checkpoint.size} events ({proof.stat().st_size} bytes)")
    print(f"verified offline: {verified.summary.quantity} credits of "
          f"{verified.summary.batch} retired for {verified.summary.beneficiary!r}")

    step("10. The auditor replays the whole log from zero and compares everything")
    projecting.catch_up(uow)
    print(auditing.audit(uow).summary())


def refused(who: str, attempt: Callable[[], object]) -> None:
    try:
        attempt()
    except LedgerError as e:
        print(f"refused ({who}): error[{e.code}] {e.message}")
    else:
        raise AssertionError(f"expected a refusal for {who}")
