"""The ledger's one error tree.

Every failure a user can cause is a :class:`LedgerError` with a stable ``code``, an exit code,
and ``writes``: what the failing command wrote (almost always nothing). The CLI turns them into
exit codes at exactly one boundary; this module imports nothing from the rest of the ledger,
and never click.

Exit codes: 0 ok, 1 unexpected (or the store is unavailable), 2 usage, 3 not found,
4 rule violated (nothing written unless the error says otherwise), 5 verification failed.

The README's table of codes is generated from this tree: ``python -m ledger.errors``.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar


class LedgerError(Exception):
    """Base of every error a user can cause. ``code`` is stable; the message is one line."""

    code: ClassVar[str] = "ledger_error"
    exit_code: ClassVar[int] = 1
    writes: ClassVar[str] = "nothing"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = " ".join(message.split())

    def to_dict(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message}}


class StoreUnavailable(LedgerError):
    """The database cannot be reached, or stopped answering mid-command (its URL is shown
    without the password)."""

    code = "store_unavailable"
    writes = ("nothing, or all of it when cut off after its COMMIT was sent "
              "(re-run with the same `--idempotency-key`)")


class ReadOnlyStore(LedgerError):
    """The store is read-only (a PostgreSQL hot standby) and the command writes: run it on the
    primary.

    On a read-only store the reads answer as the store is: projections are not caught up
    first, and proofs come from the signed checkpoints only (``not_checkpointed`` until one
    covers the retirement).
    """

    code = "read_only_store"


class WitnessUnavailable(LedgerError):
    """A witness could not be reached, or did not answer within its deadline, or answered
    what the C2SP tlog-witness protocol does not allow."""

    code = "witness_unavailable"
    writes = ("the signed checkpoint, with the cosignatures of the witnesses that did answer "
              "(re-run `ledger checkpoint --witness` for the others)")


# --- 2: usage --------------------------------------------------------------------------------


class UsageError(LedgerError):
    """The command line cannot be run: click's own usage errors (an unknown command or option,
    a missing argument, a bad choice) carry this code."""

    code = "usage"
    exit_code = 2


class InvalidArgument(UsageError):
    """An option or argument has a value the ledger cannot use: malformed, out of range, or in
    conflict with another option."""

    code = "invalid_argument"


class InvalidQuantity(UsageError):
    """`--quantity` is not a positive whole number, or is above the maximum."""

    code = "invalid_quantity"


# --- 3: not found ----------------------------------------------------------------------------


class NotFound(LedgerError):
    """Something the command needs does not exist: an initialised ledger, built projections, a
    transfer, a signed checkpoint of the given size.

    The message says which, and what to run first.
    """

    code = "not_found"
    exit_code = 3


class BatchNotFound(NotFound):
    """No batch has the given reference (`REGISTRY:ISSUANCE_ID`)."""

    code = "batch_not_found"


class AccountNotFound(NotFound):
    """No account has the given handle."""

    code = "account_not_found"


class ReservationNotFound(NotFound):
    """No reservation has the given id or idempotency key."""

    code = "reservation_not_found"


class RetirementNotFound(NotFound):
    """No retirement has the given id or idempotency key, or it is not in the transparency log
    yet."""

    code = "retirement_not_found"


class CancellationNotFound(NotFound):
    """No cancellation has the given id or idempotency key."""

    code = "cancellation_not_found"


class KeyNotFound(NotFound):
    """A key the command needs is missing: the operator's key directory, a trust list, or the
    private key to sign with."""

    code = "key_not_found"


class FileNotFound(NotFound):
    """A file named on the command line does not exist, or is a directory."""

    code = "file_not_found"


# --- 4: rule violated, nothing written unless the error says otherwise ---------------------


class RuleViolated(LedgerError):
    """A rule of the ledger refused the command: nothing written unless the error says
    otherwise.

    Each rule has its own code; ``writes`` says what, if anything, was written.
    """

    code = "rule_violated"
    exit_code = 4


class InvalidDocument(RuleViolated):
    """An input document is malformed, too large or breaks its schema: an issuance document,
    an import line, a trust list or a private key file (the field or line named)."""

    code = "invalid_document"


class InvalidExport(RuleViolated):
    """A registry export cannot be read: missing, unreadable, of no known layout, or with a bad
    row (file, row and column named)."""

    code = "invalid_export"


class AlreadyMinted(RuleViolated):
    """A batch of this issuance was minted before (`ledger import` accepts the same document
    again)."""

    code = "already_minted"


class SerialOverlap(RuleViolated):
    """The issuance's serials overlap serials already minted in the same serial scope."""

    code = "serial_overlap"


class AccountExists(RuleViolated):
    """An account with the handle exists already (on import: with another name or role)."""

    code = "account_exists"


class WrongRole(RuleViolated):
    """The account is not a buyer, so it has no eligibility evidence to update."""

    code = "wrong_role"


class BuyerNotEligible(RuleViolated):
    """The buyer reserved for, settled to, transferred to or retired for is not admitted by
    policy (neither a Climate Pledge signatory nor targets covering Scopes 1, 2 and 3)."""

    code = "buyer_not_eligible"


class InsufficientCredits(RuleViolated):
    """The holder, or the operator's inventory, has fewer credits than the command asks for."""

    code = "insufficient_credits"


class RetirementNotPending(RuleViolated):
    """Only a pending retirement can be confirmed or reverted; this one is confirmed or
    reverted already."""

    code = "retirement_not_pending"


class NothingHidden(RuleViolated):
    """The retirement has no hidden beneficiary to reveal (never hidden, or revealed)."""

    code = "nothing_hidden"


class LabelMissing(RuleViolated):
    """The batch does not carry a label the command requires (`--require`)."""

    code = "label_missing"


class LabelConflict(RuleViolated):
    """A label cannot change that way: applying one the batch carries, revoking one it does
    not, or a second corresponding-adjustment status."""

    code = "label_conflict"


class ReservationExpired(RuleViolated):
    """The reservation was settled or released after its expiry.

    The ledger records the expiry, returns its credits, then refuses.
    """

    code = "reservation_expired"
    writes = ("the reservation's `Expired` event (its credits return to the inventory); "
              "in `ledger import`, nothing")


class ReservationEnded(RuleViolated):
    """The reservation has ended already, another way (settled, released or expired)."""

    code = "reservation_ended"


class NotCheckpointed(RuleViolated):
    """No signed checkpoint covers the retirement yet, and this command or service may not
    sign one (a read-only reader: `ledger serve`, a hot standby); the operator's next
    `ledger checkpoint` makes its proof available."""

    code = "not_checkpointed"


class IdempotencyConflict(RuleViolated):
    """An idempotency key was used before with different parameters."""

    code = "idempotency_conflict"


class KeyFileInsecure(RuleViolated):
    """A private key file (or the key's signed checkpoint) can be read or written by group or
    others (expected 0600), or a trust list or key directory can be written by them."""

    code = "key_file_insecure"


class KeyExists(RuleViolated):
    """The key directory has an operator key already, or the new key is already trusted."""

    code = "key_exists"


class WitnessRefused(RuleViolated):
    """A witness refused to cosign: it does not know the log's origin or trust the operator's
    key (configure it), or it has seen no earlier checkpoint we can prove this one extends."""

    code = "witness_refused"
    writes = WitnessUnavailable.writes


class NotABackup(RuleViolated):
    """A file given to `ledger restore` is not a backup `ledger backup` wrote, or is one of the
    other kind of store; a store that holds events is not restored into either."""

    code = "not_a_backup"


class ConcurrentUpdate(RuleViolated):
    """Other writers changed the same aggregates on every retry; try again."""

    code = "concurrent_update"


# --- 5: verification failed ------------------------------------------------------------------


class VerificationFailed(LedgerError):
    """Something the ledger verifies does not check out; each code below names what."""

    code = "verification_failed"
    exit_code = 5


class SignatureInvalid(VerificationFailed):
    """An event's Ed25519 signature does not verify, its envelope is malformed, or its stored
    columns are not the signed ones."""

    code = "signature_invalid"


class ChainBroken(VerificationFailed):
    """An event's version or hash link does not follow the previous event of its aggregate: an
    event was changed, removed or reordered."""

    code = "chain_broken"


class UnknownKey(VerificationFailed):
    """An event is signed by a key not on the trust list, or the operator's private key is not
    on it, or is not the key in force at the log's head (nothing is written with it)."""

    code = "unknown_key"


class KeyNotValid(SignatureInvalid):
    """An event is signed by a trusted key outside the key's validity window (or with no time
    zone to place it in one), or not by the key in force at that point of the log."""

    code = "key_not_valid"


class ProofInvalid(VerificationFailed):
    """An inclusion proof is malformed, or does not lead from the event to the checkpoint's
    root."""

    code = "proof_invalid"


class CheckpointInvalid(VerificationFailed):
    """A checkpoint is malformed, not signed by a trusted key, of another origin, or differs
    from its stored row."""

    code = "checkpoint_invalid"


class CosignatureMissing(VerificationFailed):
    """A checkpoint lacks the cosignatures of as many trusted witnesses as required
    (`--min-witnesses`); a trusted witness's cosignature that fails is `checkpoint_invalid`."""

    code = "cosignature_missing"


class ClaimFindings(VerificationFailed):
    """A claims report found retirements that fail its checks: retired more than 12 months
    after the period's end, not confirmed by the registry, or for another beneficiary. The
    report lists each one."""

    code = "claim_findings"


class NotItsEvent(VerificationFailed):
    """A proof's later event (its confirmation, its revelation) is not that event of the
    retirement it proves."""

    code = "not_its_event"


class NotConfirmed(VerificationFailed):
    """`ledger verify --require-confirmed`: the proof carries no registry confirmation."""

    code = "not_confirmed"


class CommitmentMismatch(VerificationFailed):
    """A revealed beneficiary and its salt do not hash to the commitment its retirement
    signed."""

    code = "commitment_mismatch"


class CheckpointMismatch(VerificationFailed):
    """A signed checkpoint's root differs from the root recomputed from the events, or it
    covers events the log no longer holds."""

    code = "checkpoint_mismatch"


class ConsistencyFailed(VerificationFailed):
    """A consistency proof between two checkpoints does not verify; the operator also refuses
    to sign a head that does not extend the last signed checkpoint."""

    code = "consistency_failed"


class LogRolledBack(VerificationFailed):
    """The log does not extend a checkpoint signed earlier: it is smaller (the store went back
    in time) or holds other events at that size (it was rewritten).

    The operator's key refuses to sign it: the key directory keeps the latest checkpoint the key
    signed (`signed-checkpoint`), so the key never signs two different heads of one size.
    `ledger audit` raises it for a checkpoint held by others (`--checkpoint FILE`) or by the
    key directory that the log does not extend.
    """

    code = "log_rolled_back"
    writes = ("nothing; after `ledger restore`, the restored store, left in place to be "
              "inspected")


class MerkleMismatch(VerificationFailed):
    """The stored transparency log's nodes differ from the tree recomputed from the events."""

    code = "merkle_mismatch"


class ConservationViolated(VerificationFailed):
    """A batch's credits do not add up: minted differs from available + reserved + held +
    retired + cancelled, a pool is negative, or its events cannot be replayed."""

    code = "conservation_violated"


class ProjectionMismatch(VerificationFailed):
    """A stored read-model row differs from the replay of the events."""

    code = "projection_mismatch"


class ProjectionBehind(VerificationFailed):
    """A projection is behind the log (or was never built), so `ledger audit` could not compare
    it with the replay.

    Run `ledger project` first, or accept it with `ledger audit --allow-lag` (then it is a note).
    """

    code = "projection_behind"


class ProofMalformed(VerificationFailed):
    """A proof file is empty, too large, not a proof bundle, or not byte for byte as `ledger
    proof` wrote it.

    `ledger verify-consistency` also raises it for a checkpoint or proof file that is too large.
    """

    code = "proof_malformed"


class NotARetirement(VerificationFailed):
    """The event a proof bundle proves is not a retirement."""

    code = "not_a_retirement"


class SummaryMismatch(VerificationFailed):
    """A proof bundle's human-readable summary differs from the signed retirement event."""

    code = "summary_mismatch"


class AuditFailed(VerificationFailed):
    """`ledger audit` found problems; the report lists each one."""

    code = "audit_failed"


class ReconcileDifferences(VerificationFailed):
    """Registry exports and the ledger disagree; the report lists each difference."""

    code = "differences_found"
    writes = "the report, to `-o REPORT` when given"


# --- the README's table ----------------------------------------------------------------------

#: Outcomes without a class: success, and a bug (a traceback).
UNCLASSED: tuple[tuple[int, str], ...] = (
    (0, "ok"),
    (1, "unexpected: a bug in the ledger (a traceback)"),
)


def error_classes() -> list[type[LedgerError]]:
    """Every class of this module below LedgerError, by exit code, then in definition order."""
    found: list[type[LedgerError]] = []

    def walk(cls: type[LedgerError]) -> None:
        for sub in cls.__subclasses__():
            if sub.__module__ == __name__:
                found.append(sub)
                walk(sub)

    walk(LedgerError)
    return sorted(found, key=lambda cls: cls.exit_code)


def first_sentence(cls: type[LedgerError]) -> str:
    """The first sentence of the class's docstring, on one line."""
    text = " ".join((cls.__doc__ or "").split())
    match = re.match(r"(.+?[.!?])(?:\s|$)", text)
    return match.group(1) if match else text


def markdown_table() -> str:
    """The README's table of exit codes and error codes, with what each one wrote."""

    def row(*cells: str) -> str:
        escaped = (cell.replace("|", "\\|") for cell in cells)
        return "|" + "|".join(f" {cell} " if cell else " " for cell in escaped) + "|"

    rows = [
        "An error writes nothing unless its `written` cell says otherwise.",
        "",
        row("exit", "code", "meaning", "written"),
        "|---|---|---|---|",
    ]
    unclassed = list(UNCLASSED)
    for cls in error_classes():
        while unclassed and unclassed[0][0] <= cls.exit_code:
            exit_code, meaning = unclassed.pop(0)
            rows.append(row(str(exit_code), "", meaning, ""))
        written = "" if cls.writes == "nothing" else cls.writes
        rows.append(row(str(cls.exit_code), f"`{cls.code}`", first_sentence(cls), written))
    rows += [row(str(exit_code), "", meaning, "") for exit_code, meaning in unclassed]
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(markdown_table(), end="")
