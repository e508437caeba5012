"""The ledger's one error tree.

Every failure a user can cause is a :class:`LedgerError` with a stable ``code`` and an exit
code. The CLI turns them into exit codes at exactly one boundary; nothing here imports click.

Exit codes: 0 ok, 1 unexpected (or the store is unavailable), 2 usage, 3 not found,
4 rule violated (nothing was written), 5 verification failed.
"""

from __future__ import annotations

from typing import Any, ClassVar


class LedgerError(Exception):
    """Base of every error a user can cause. ``code`` is stable; the message is one line."""

    code: ClassVar[str] = "ledger_error"
    exit_code: ClassVar[int] = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = " ".join(message.split())

    def to_dict(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message}}


class StoreUnavailable(LedgerError):
    code = "store_unavailable"


# --- 2: usage --------------------------------------------------------------------------------


class UsageError(LedgerError):
    code = "usage"
    exit_code = 2


class InvalidArgument(UsageError):
    code = "invalid_argument"


class InvalidQuantity(UsageError):
    code = "invalid_quantity"


# --- 3: not found ----------------------------------------------------------------------------


class NotFound(LedgerError):
    code = "not_found"
    exit_code = 3


class BatchNotFound(NotFound):
    code = "batch_not_found"


class AccountNotFound(NotFound):
    code = "account_not_found"


class ReservationNotFound(NotFound):
    code = "reservation_not_found"


class RetirementNotFound(NotFound):
    code = "retirement_not_found"


class KeyNotFound(NotFound):
    code = "key_not_found"


class FileNotFound(NotFound):
    code = "file_not_found"


# --- 4: rule violated, nothing written -------------------------------------------------------


class RuleViolated(LedgerError):
    code = "rule_violated"
    exit_code = 4


class InvalidDocument(RuleViolated):
    code = "invalid_document"


class InvalidExport(RuleViolated):
    code = "invalid_export"


class AlreadyMinted(RuleViolated):
    code = "already_minted"


class SerialOverlap(RuleViolated):
    code = "serial_overlap"


class AccountExists(RuleViolated):
    code = "account_exists"


class WrongRole(RuleViolated):
    code = "wrong_role"


class BuyerNotEligible(RuleViolated):
    code = "buyer_not_eligible"


class InsufficientCredits(RuleViolated):
    code = "insufficient_credits"


class ReservationExpired(RuleViolated):
    code = "reservation_expired"


class ReservationEnded(RuleViolated):
    code = "reservation_ended"


class IdempotencyConflict(RuleViolated):
    code = "idempotency_conflict"


class KeyFileInsecure(RuleViolated):
    code = "key_file_insecure"


class KeyExists(RuleViolated):
    code = "key_exists"


class ConcurrentUpdate(RuleViolated):
    code = "concurrent_update"


# --- 5: verification failed ------------------------------------------------------------------


class VerificationFailed(LedgerError):
    code = "verification_failed"
    exit_code = 5


class SignatureInvalid(VerificationFailed):
    code = "signature_invalid"


class ChainBroken(VerificationFailed):
    code = "chain_broken"


class UnknownKey(VerificationFailed):
    code = "unknown_key"


class ProofInvalid(VerificationFailed):
    code = "proof_invalid"


class CheckpointInvalid(VerificationFailed):
    code = "checkpoint_invalid"


class ConsistencyFailed(VerificationFailed):
    code = "consistency_failed"


class ConservationViolated(VerificationFailed):
    code = "conservation_violated"


class ProofMalformed(VerificationFailed):
    code = "proof_malformed"


class NotARetirement(VerificationFailed):
    code = "not_a_retirement"


class SummaryMismatch(VerificationFailed):
    code = "summary_mismatch"


class AuditFailed(VerificationFailed):
    """`ledger audit` found problems; the report lists each one."""

    code = "audit_failed"


class ReconcileDifferences(VerificationFailed):
    """Registry exports and the ledger disagree; ``report`` goes out with the error in JSON."""

    code = "differences_found"

    def __init__(self, message: str, report: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.report = report or {}

    def to_dict(self) -> dict[str, Any]:
        return {**self.report, **super().to_dict()}
