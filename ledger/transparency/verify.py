"""Offline verification of retirement proofs and of consistency between two checkpoints.

Everything here needs only the operator's public key(s): no database, no network. It reads in
one sitting: :func:`verify_bundle` runs the checks of :data:`BUNDLE_CHECKS` in order, and
:func:`verify_consistency_files` those of :data:`CONSISTENCY_CHECKS`. Both fail closed: each
returns only when every check passed, and otherwise raises a
:class:`~ledger.errors.VerificationFailed` whose message names the first check that failed.

What a checkpoint cannot tell: it carries no time, so any trusted key may sign it, whatever its
validity window. Event signatures are held to their key's window (the event carries its time).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ledger.errors import (
    CheckpointInvalid,
    CommitmentMismatch,
    ConsistencyFailed,
    KeyNotValid,
    NotARetirement,
    NotItsEvent,
    ProofInvalid,
    SignatureInvalid,
    SummaryMismatch,
    UnknownKey,
    VerificationFailed,
)
from ledger.signing.c2sp import Verifier, decode_base64
from ledger.signing.envelope import Envelope, open_envelope, seal
from ledger.signing.keys import TrustedKey, raw_public
from ledger.transparency.bundle import (
    CONFIRMED_TOPIC,
    MAX_FILE_BYTES,
    RETIREMENT_TOPIC,
    REVEALED_TOPIC,
    RetirementSummary,
    commitment,
    parse_bundle,
    summary_of,
)
from ledger.transparency.checkpoint import Checkpoint, open_checkpoint
from ledger.transparency.cosignature import Cosignature, Witness, require_cosignatures
from ledger.transparency.merkle import HASH_SIZE, leaf_hash, verify_consistency, verify_inclusion

BUNDLE_CHECKS = (
    "proof file", "checkpoint signature", "tree size", "inclusion", "event signature",
    "event type", "summary",
)
"""The checks :func:`verify_bundle` runs, in order; a failure names its number and name."""

CONSISTENCY_CHECKS = ("old checkpoint signature", "new checkpoint signature", "origin",
                      "consistency")
"""The checks :func:`verify_consistency_files` runs, in order."""


@dataclass(frozen=True)
class VerifiedRetirement:
    """What a verified proof establishes: the operator's log holds, at ``leaf_index`` under the
    signed ``checkpoint``, a retirement event signed by ``event_key_id`` saying ``summary``."""

    summary: RetirementSummary
    checkpoint: Checkpoint
    leaf_index: int
    event_key_id: str
    cosignatures: tuple[Cosignature, ...] = ()
    """The witnesses' cosignatures verified (only those of witnesses the verifier named)."""
    confirmed: bool = False
    """The proof carries the registry's signed confirmation (``summary.registry_ref``); a
    proof without one shows the retirement pending, or from before confirmations."""

    def to_json(self) -> dict[str, Any]:
        """What was verified, as JSON."""
        return {
            "verified": True,
            "retirement": self.summary.model_dump(),
            "leaf_index": self.leaf_index,
            "checkpoint": self.checkpoint.to_json(),
            "event_key_id": self.event_key_id,
            "cosignatures": [c.to_json() for c in self.cosignatures],
            "confirmed": self.confirmed,
        }


@dataclass(frozen=True)
class VerifiedConsistency:
    """Two signed checkpoints of one log, the ``new`` tree extending the ``old`` one."""

    old: Checkpoint
    new: Checkpoint

    def to_json(self) -> dict[str, Any]:
        """What was verified, as JSON."""
        return {"consistent": True, "old": self.old.to_json(), "new": self.new.to_json()}


def verify_bundle(raw: bytes, trusted: Sequence[TrustedKey], witnesses: Sequence[Witness] = (),
                  min_witnesses: int = 0, origin: str | None = None) -> VerifiedRetirement:
    """Check a proof file against the trusted keys; return what it proves or raise.

    Raises a VerificationFailed error (exit 5) naming the first failed check of
    :data:`BUNDLE_CHECKS`. An empty ``trusted`` trusts nothing, so every proof fails. Then,
    with ``witnesses``, the checkpoint must carry valid cosignatures (C2SP tlog-cosignature) by
    at least ``min_witnesses`` of them (``cosignature_missing`` otherwise). With ``origin``,
    a checkpoint of any other log fails check 2: a key may sign more than one log.
    """
    # 1. The file parses: at most MAX_FILE_BYTES, strict JSON, the model, the one canonical
    #    spelling (so that no byte can change without one of the checks below noticing).
    with _check(BUNDLE_CHECKS, 1):
        bundle = parse_bundle(raw)
        payload, signature = bundle.event.payload_bytes(), bundle.event.signature_bytes()
        later = [(name, event) for name, event in (("confirmation", bundle.confirmation),
                                                   ("revelation", bundle.revelation))
                 if event is not None]
    # 2. A trusted key signed the checkpoint (C2SP signed note; unknown keys' lines ignored).
    with _check(BUNDLE_CHECKS, 2):
        checkpoint = open_checkpoint(bundle.checkpoint, verifiers(trusted), origin)
    # 3. The bundle's tree size is the checkpoint's: step 4 uses the signed one, and a field
    #    nothing checked could be edited unnoticed.
    with _check(BUNDLE_CHECKS, 3):
        if bundle.tree_size != checkpoint.size:
            raise ProofInvalid(
                f"expected the checkpoint's tree size {checkpoint.size}, found {bundle.tree_size}"
            )
    # 4. RFC 9162 §2.1.3.2: the leaf hash of the exact signed bytes, at leaf_index, with the
    #    inclusion path, yields the checkpoint's root hash.
    with _check(BUNDLE_CHECKS, 4):
        verify_inclusion(leaf_hash(payload), bundle.leaf_index, checkpoint.size,
                         bundle.path_hashes(), checkpoint.root_hash)
        for _, event in later:  # the later events too, under the same checkpoint
            verify_inclusion(leaf_hash(event.event.payload_bytes()), event.leaf_index,
                             checkpoint.size, event.path_hashes(), checkpoint.root_hash)
    # 5. The event's own Ed25519 signature, by a trusted key valid when the event was made.
    #    (The payload is parsed first to find its key id and time: step 4 already tied these
    #    bytes to a trusted checkpoint.)
    with _check(BUNDLE_CHECKS, 5):
        envelope, key = _open_signed_event(payload, signature, trusted)
        opened = {name: _open_signed_event(event.event.payload_bytes(),
                                           event.event.signature_bytes(), trusted)[0]
                  for name, event in later}
        confirming, revealing = opened.get("confirmation"), opened.get("revelation")
    # 6. The event is a retirement, not some other signed event of the log.
    with _check(BUNDLE_CHECKS, 6):
        if envelope.fields["topic"] != RETIREMENT_TOPIC:
            raise NotARetirement(
                f"expected a {RETIREMENT_TOPIC} event, found {envelope.fields['topic']!r}"
            )
        if confirming is not None:
            _is_its(confirming, envelope, CONFIRMED_TOPIC)
        if revealing is not None:
            _is_its(revealing, envelope, REVEALED_TOPIC)
            _reveals_its_commitment(revealing, envelope)
    # 7. The human-readable summary says exactly what the signed event says, field for field.
    with _check(BUNDLE_CHECKS, 7):
        _compare_summary(bundle.summary, envelope, confirming, revealing)
    # Then, when asked: witnesses vouch that this checkpoint is the log everyone sees.
    cosigned: list[Cosignature] = []
    if witnesses:
        try:
            cosigned = require_cosignatures(bundle.checkpoint, witnesses, min_witnesses)
        except VerificationFailed as error:
            raise type(error)(f"witnesses: {error.message}") from None
    return VerifiedRetirement(bundle.summary, checkpoint, bundle.leaf_index, key.key_id,
                              tuple(cosigned), confirming is not None)


def verify_consistency_files(
    old_checkpoint_text: str | bytes,
    new_checkpoint_text: str | bytes,
    proof_hashes: Sequence[bytes],
    trusted: Sequence[TrustedKey],
) -> VerifiedConsistency:
    """Check that the log of the new signed checkpoint only grew from the old one.

    Raises a VerificationFailed error naming the first failed check of
    :data:`CONSISTENCY_CHECKS`.
    """
    trusted_verifiers = verifiers(trusted)
    # 1-2. A trusted key signed each checkpoint.
    with _check(CONSISTENCY_CHECKS, 1):
        old = open_checkpoint(old_checkpoint_text, trusted_verifiers)
    with _check(CONSISTENCY_CHECKS, 2):
        new = open_checkpoint(new_checkpoint_text, trusted_verifiers)
    # 3. Both are heads of the same log.
    with _check(CONSISTENCY_CHECKS, 3):
        if new.origin != old.origin:
            raise CheckpointInvalid(f"expected origin {old.origin!r}, found {new.origin!r}")
    # 4. RFC 9162 §2.1.4.2: the proof links the old root to the new one.
    with _check(CONSISTENCY_CHECKS, 4):
        verify_consistency(old.size, new.size, proof_hashes, old.root_hash, new.root_hash)
    return VerifiedConsistency(old, new)


def parse_consistency_proof(text: str | bytes) -> list[bytes]:
    """Read a consistency proof file: one base64 SHA-256 hash per line, each ending in a
    newline (the last newline may be missing); an empty file is the empty proof.

    Raises ConsistencyFailed for anything else.
    """
    if len(text) > MAX_FILE_BYTES:
        raise ConsistencyFailed(f"expected at most {MAX_FILE_BYTES} bytes, found {len(text)}")
    try:
        lines = (text.decode() if isinstance(text, bytes) else text).removesuffix("\n")
        hashes = [decode_base64(line) for line in lines.split("\n")] if lines else []
    except ValueError as error:  # UnicodeDecodeError too
        raise ConsistencyFailed(f"malformed consistency proof: {error}") from None
    for number, hash_ in enumerate(hashes, start=1):
        if len(hash_) != HASH_SIZE:
            raise ConsistencyFailed(
                f"line {number}: expected a {HASH_SIZE}-byte hash, found {len(hash_)} bytes"
            )
    return hashes


def format_consistency_proof(hashes: Sequence[bytes]) -> str:
    """The consistency proof file that :func:`parse_consistency_proof` reads."""
    return "".join(f"{base64.b64encode(hash_).decode()}\n" for hash_ in hashes)


def verifiers(trusted: Sequence[TrustedKey]) -> list[Verifier]:
    """The signed-note verifiers of trusted keys (a key's note name is its ``name``)."""
    return [Verifier(key.name, raw_public(key.public_key)) for key in trusted]


@contextmanager
def _check(checks: Sequence[str], number: int) -> Iterator[None]:
    try:
        yield
    except VerificationFailed as error:
        name = checks[number - 1]
        raise type(error)(f"check {number} of {len(checks)} ({name}): {error.message}") from None


def _open_signed_event(
    payload: bytes, signature: bytes, trusted: Sequence[TrustedKey]
) -> tuple[Envelope, TrustedKey]:
    try:
        envelope = open_envelope(seal(payload, signature))
        key_id = envelope.key_id
    except (ValueError, TypeError, KeyError, RecursionError) as error:
        raise SignatureInvalid(f"expected a signed event envelope, found {error}") from None
    keys = [key for key in trusted if key.key_id == key_id]
    if not keys:
        raise UnknownKey(f"expected the event signed by a trusted key, found key {key_id}")
    if not keys[0].verify(signature, payload):
        raise SignatureInvalid(f"signature by key {key_id} does not verify")
    try:
        made_at = envelope.made_at
    except (ValueError, TypeError) as error:
        raise KeyNotValid(f"expected the event's time with its time zone, found {error}") \
            from None
    if not any(key.valid_at(made_at) for key in keys):
        raise KeyNotValid(
            f"event made at {made_at.isoformat()}, outside every validity window of key {key_id}"
        )
    return envelope, keys[0]


def _is_its(later: Envelope, envelope: Envelope, topic: str) -> None:
    """A later event is one of ``topic`` of this very retirement."""
    found = later.fields["topic"]
    if found != topic:
        raise NotItsEvent(f"expected a {topic} event, found {found!r}")
    if later.fields["originator_id"] != envelope.fields["originator_id"]:
        raise NotItsEvent(
            f"expected an event of retirement {envelope.fields['originator_id']!r}, found one "
            f"of {later.fields['originator_id']!r}")


def _reveals_its_commitment(revealing: Envelope, envelope: Envelope) -> None:
    """The revealed name and salt hash to the commitment the retirement signed."""
    said, recorded = revealing.fields["event"], envelope.fields["event"]
    found = commitment(said.get("beneficiary"), said.get("salt")) \
        if isinstance(said, dict) else None
    expected = recorded.get("beneficiary_commitment") if isinstance(recorded, dict) else None
    if found is None or found != expected:
        raise CommitmentMismatch("expected the revealed beneficiary and salt to hash to the "
                                 f"retirement's commitment {expected!r}, found {found!r}")


def _later_value(later: Envelope | None, name: str) -> Any:
    event = later.fields["event"] if later is not None else None
    return event.get(name) if isinstance(event, dict) else None


def _compare_summary(summary: RetirementSummary, envelope: Envelope,
                     confirming: Envelope | None, revealing: Envelope | None) -> None:
    try:
        signed = summary_of(envelope.fields).model_dump()
        signed["registry_ref"] = _later_value(confirming, "registry_ref")
        signed["revealed_beneficiary"] = _later_value(revealing, "beneficiary")
    except ValueError as error:
        raise SummaryMismatch(f"expected a signed event with every summary field: {error}") \
            from None
    for name, found in summary.model_dump().items():
        if found != signed[name]:
            raise SummaryMismatch(
                f"field `{name}`: the signed event says {signed[name]!r}, the summary {found!r}"
            )
