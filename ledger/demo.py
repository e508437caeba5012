"""`ledger demo`: a realistic story, end to end, on a fresh embedded ledger.

An operator mints a LEAF batch (ART, TREES) and a DAC batch; two eligible buyers reserve,
settle, transfer and retire; one buyer that meets neither eligibility rule is refused.
"""

from __future__ import annotations

import tempfile
from importlib import resources
from pathlib import Path

from ledger.app import Ledger
from ledger.audit.run import audit
from ledger.context import Settings, initialise
from ledger.documents import parse_issuance
from ledger.errors import LedgerError
from ledger.projections.registry import PROJECTIONS
from ledger.projections.runner import Runner, catch_up, open_database
from ledger.render import text_of
from ledger.transparency.bundle import bundle_json
from ledger.transparency.checkpoints import retirement_proof
from ledger.transparency.verify import verify_bundle


def example(name: str) -> bytes:
    """The example issuance documents ship inside the package."""
    return resources.files("ledger.examples").joinpath(name).read_bytes()


def step(title: str) -> None:
    print(f"\n== {title}")


def run_demo(keep: str | None = None) -> None:
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        tell(Path(keep))
        return
    with tempfile.TemporaryDirectory(prefix="ledger-demo-") as tmp:
        tell(Path(tmp))


def tell(where: Path) -> None:
    settings = Settings(db=str(where / "demo.db"), key_dir=str(where / "keys"))
    ledger, _ = initialise(settings, origin="demo.carbon-ledger.example/log")
    try:
        story(ledger, settings, where)
    finally:
        ledger.close()


def story(ledger: Ledger, settings: Settings, where: Path) -> None:
    print(f"A fresh ledger in {where} (SQLite), every event signed by the operator's key "
          f"{ledger.keyring.require_signer().public.verifier_key}")

    step("1. Mint a LEAF batch (ART registry, TREES 2.0) and a DAC batch (Puro.earth)")
    leaf = ledger.mint(parse_issuance(example("leaf-issuance.json"), "leaf-issuance.json"))
    dac = ledger.mint(parse_issuance(example("dac-issuance.json"), "dac-issuance.json"))
    print(text_of(leaf))
    print(text_of(dac))

    step("2. Open buyer accounts: the policy admits Climate Pledge signatories "
         "or buyers with Scope 1, 2 and 3 targets")
    for handle, name, pledge, scopes in [
        ("northwind", "Northwind Logistics Inc.", True, []),
        ("contoso", "Contoso Foods plc", False, [1, 2, 3]),
        ("fabrikam", "Fabrikam Mining Ltd", False, [1, 2]),
    ]:
        print(text_of(ledger.open_account(handle, name, "buyer", pledge, scopes)))

    step("3. Reserve credits: Northwind 5,000 LEAF, Contoso 1,200 DAC; Fabrikam is refused")
    north = ledger.reserve("northwind", 5000, batch=leaf.batch, idempotency_key="po-2026-0001")
    print(text_of(north))
    contoso = ledger.reserve("contoso", 1200, source="DAC", idempotency_key="po-2026-0002")
    print(text_of(contoso))
    refused("fabrikam", lambda: ledger.reserve("fabrikam", 100, batch=leaf.batch))
    again = ledger.reserve("northwind", 5000, batch=leaf.batch, idempotency_key="po-2026-0001")
    print(f"the same request again with key po-2026-0001 returns reservation {again.reservation}"
          " and changes nothing")

    step("4. Settle both reservations: the exact reserved blocks move to the buyers")
    print(text_of(ledger.settle(north.reservation)))
    print(text_of(ledger.settle("po-2026-0002")))

    step("5. Northwind transfers 1,000 LEAF credits to Contoso")
    print(text_of(ledger.transfer_credits("northwind", "contoso", leaf.batch, 1000)))

    step("6. Retire: Northwind 2,500 LEAF for its 2025 claim; Contoso 1,200 DAC removals")
    print(text_of(ledger.retire(
        "northwind", leaf.batch, 2500, "Northwind Logistics Inc.",
        "Voluntary claim: 2025 Scope 3 transport emissions", "2025", idempotency_key="ret-1")))
    print(text_of(ledger.retire(
        "contoso", dac.batch, 1200, "Contoso Foods plc",
        "Net-zero pathway: durable removals for residual emissions", "2025")))
    refused("retired credits are final", lambda: ledger.transfer_credits(
        "contoso", "northwind", dac.batch, 1))

    step("7. Where every credit is now (minted = available + reserved + held + retired)")
    for ref in (leaf.batch, dac.batch):
        print(text_of(ledger.show_batch(ref)))
    for holder in ("northwind", "contoso", "operator"):
        print(text_of(ledger.balance(holder)))
    prove_and_audit(ledger, settings, where)


def prove_and_audit(ledger: Ledger, settings: Settings, where: Path) -> None:
    db = open_database(settings.store)
    try:
        step("8. Northwind gets a proof of its retirement and checks it with only the public key")
        bundle = retirement_proof(ledger, db, "ret-1")
        proof = where / "northwind-retirement-proof.json"
        proof.write_bytes(bundle_json(bundle))
        public_keys = list(ledger.keyring.trusted.values())
        verified = verify_bundle(proof.read_bytes(), public_keys)
        print(f"proof: leaf {verified.leaf_index} of a signed checkpoint of "
              f"{verified.checkpoint.size} events ({proof.stat().st_size} bytes)")
        print(f"verified offline: {verified.summary.quantity} credits of "
              f"{verified.summary.batch} retired for {verified.summary.beneficiary!r}")

        step("9. The auditor replays the whole log from zero and compares everything")
        catch_up([Runner(ledger, db, projection()) for projection in PROJECTIONS.values()])
        print(audit(ledger, db, public_keys, jobs=1).summary())
    finally:
        db.close()


def refused(who: str, attempt: object) -> None:
    try:
        attempt()  # type: ignore[operator]
    except LedgerError as e:
        print(f"refused ({who}): error[{e.code}] {e.message}")
    else:
        raise AssertionError(f"expected a refusal for {who}")
