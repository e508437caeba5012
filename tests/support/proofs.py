"""Real retirement proofs, made by the service layer on a SQLite ledger as `ledger proof` makes
them: before and after a key rotation, with the keys and the exported trust list a buyer gets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ledger.settings import Settings
from ledger.transparency.bundle import bundle_json
from ledger.usecases import checkpoints, confirmations, holdings, minting, reservations, setup
from ledger.usecases.unit import UnitOfWork
from tests.support.builders import issuance, open_buyers

LEAF = "ART:ART102-2021-11"
NON_ASCII = "Société Générale — 東京"
SCRIPT = "<script>window.pwned=1</script>"
ATTRIBUTE = '"><img src=x onerror="window.pwned=1">'


@dataclass(frozen=True)
class RealProofs:
    """Proof files (bytes) and what verifies them."""

    plain: bytes  # signed and checkpointed by the first key
    non_ascii: bytes  # beneficiary NON_ASCII, first key
    script: bytes  # beneficiary SCRIPT
    attribute: bytes  # beneficiary ATTRIBUTE, reason SCRIPT
    after_rotation: bytes  # signed and checkpointed by the second key
    reproved: bytes  # the plain retirement (first key) under a checkpoint by the second key
    first_key: str  # verifier keys, C2SP text
    second_key: str
    trust_list: str  # from `ledger keys trust --export`, both keys with their windows
    confirmed: bytes  # the plain retirement (first key) with its confirmation (second key)
    revealed: bytes  # a hidden beneficiary, revealed (second key), its name non-ASCII


def make_real_proofs(directory: Path) -> RealProofs:
    settings = Settings(db=str(directory / "ledger.db"), key_dir=str(directory / "keys"))
    setup.initialise(settings)
    ledger = UnitOfWork(settings)
    try:
        minting.mint(ledger, document=issuance(first=1, last=1000))
        open_buyers(ledger, "acme")
        reservations.settle(ledger, reservation=reservations.reserve(
            ledger, buyer="acme", quantity=500, batch=LEAF).reservation)

        def retire(beneficiary: str, reason: str = "2025 Scope 3 claim") -> str:
            return holdings.retire(ledger, holder="acme", batch=LEAF, quantity=7,
                                   beneficiary=beneficiary, reason=reason,
                                   claim_period="2025").retirement

        def prove(retirement: str) -> bytes:
            return bundle_json(checkpoints.prove_retirement(ledger, retirement=retirement))

        plain = retire("Acme Corp")
        first = [prove(plain), prove(retire(NON_ASCII)), prove(retire(SCRIPT)),
                 prove(retire(ATTRIBUTE, reason=SCRIPT))]
        first_key = setup.show_key(settings.keys).verifier_key
        setup.rotate_key(ledger)
        after = prove(retire("Globex after the rotation"))
        reproved = prove(plain)
        confirmations.confirm_retirement(ledger, retirement=plain,
                                         registry_ref="ART-RET-2025-0042 · São Paulo")
        confirmed = prove(plain)
        secret = holdings.retire(ledger, holder="acme", batch=LEAF, quantity=7,
                                 beneficiary=NON_ASCII, reason="hidden", claim_period="2025",
                                 hidden_until=ledger.clock().date() + timedelta(days=30))
        later = UnitOfWork(settings, clock=lambda: datetime.now(UTC) + timedelta(days=31))
        try:
            confirmations.reveal_due(later)
        finally:
            later.close()
        revealed = prove(secret.retirement)
        second_key = setup.show_key(settings.keys).verifier_key
        trust = directory / "trust.json"
        setup.export_trust(settings.keys, path=trust)
    finally:
        ledger.close()
    return RealProofs(*first, after, reproved, first_key, second_key, trust.read_text(),
                      confirmed, revealed)
