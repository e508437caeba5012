"""The audit's one pass over the log, in notification order, streaming.

Per event: the envelope and the columns it binds, the key (trusted, in rotation order, valid
at that time), the signature (in worker processes), the per-aggregate hash link, the domain
replay into fresh in-memory batches with the conservation invariant checked, and the leaf of
a freshly recomputed Merkle tree, compared with every signed checkpoint it reaches.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eventsourcing.persistence import Notification

from ledger import topics
from ledger.aggregates.batch import CreditBatch
from ledger.audit.report import AuditReport, Problem
from ledger.audit.signatures import Check, SignatureChecker
from ledger.audit.state import LedgerState
from ledger.audit.tree import StoredTree
from ledger.errors import (
    ChainBroken,
    CheckpointMismatch,
    CommitmentMismatch,
    ConservationViolated,
    KeyNotValid,
    SerialOverlap,
    SignatureInvalid,
    UnknownKey,
)
from ledger.ids import as_uuid
from ledger.progress import Progress, silent
from ledger.serials.native import serial_scope
from ledger.serials.pools import POOLS
from ledger.signing.envelope import GENESIS, Envelope, open_envelope
from ledger.signing.keys import TrustedKey
from ledger.signing.mapper import check_binding, domain_event_of
from ledger.store.events import EventStore
from ledger.transparency import merkle
from ledger.transparency.checkpoint import Checkpoint

PAGE = 1000


def aggregate_key(originator_id: object) -> bytes:
    """An aggregate id's 16 bytes (the store gives a UUID, or its text)."""
    return as_uuid(originator_id).bytes


class Replay:
    """Feeds events through every check; collects problems instead of stopping (unless
    ``fail_fast``)."""

    def __init__(self, trusted: dict[str, TrustedKey], checker: SignatureChecker,
                 checkpoints: dict[int, Checkpoint], report: AuditReport,
                 fail_fast: bool = False, stored: StoredTree | None = None) -> None:
        self.trusted = trusted
        self.checker = checker
        self.checkpoints = checkpoints
        self.report = report
        self.fail_fast = fail_fast
        self.tree = merkle.CompactRange()
        self.heads: dict[bytes, bytes] = {}
        """Aggregate id (16 bytes) -> its last version (8 bytes) and payload digest (32 bytes):
        one entry per aggregate in the log, so kept compact (a third of the memory of text)."""
        self.state = LedgerState()
        self.minted: dict[tuple[str, str], dict[str, tuple[int, int]]] = {}
        self.current_key: str | None = None
        self.page: list[Check] = []
        self.roots: dict[int, bytes] = {}
        """Tree size -> recomputed root, for every size set here (any value) before the run,
        and every signed checkpoint's."""
        self.stored = stored
        self.origin: str | None = None
        """The log's origin, as the operator's registration names it."""

    @property
    def stop(self) -> bool:
        return self.fail_fast and bool(self.report.problems)

    def problem(self, kind: str, n: Notification | None, expected: str, found: str) -> None:
        self.report.problems.append(Problem(
            kind, n.id if n else None, str(n.originator_id) if n else None,
            n.originator_version if n else None, expected, found))

    def feed(self, n: Notification, envelope: Envelope | None) -> None:
        payload = bytes(n.state).rpartition(b"\n")[0]
        self.leaf(n, payload)
        self.report.events += 1
        self.report.last_position = n.id
        if envelope is None:
            return
        try:
            check_binding(n, envelope, "event")
        except Exception as e:  # the one error check_binding raises, with its message
            self.problem(SignatureInvalid.code, n, "stored columns equal to the signed ones",
                         str(e).split(": ", 1)[-1])
        self.key(n, envelope)
        self.chain(n, envelope)
        self.replay(n, envelope)

    def key(self, n: Notification, envelope: Envelope) -> None:
        key_id = envelope.key_id
        trusted = self.trusted.get(key_id)
        if trusted is None:
            self.problem(UnknownKey.code, n, "a key on the trust list", f"key {key_id}")
            return
        self.page.append((n.id, key_id, envelope.payload, envelope.signature))
        if len(self.page) >= PAGE or self.fail_fast:
            self.flush()
        made_at = envelope.made_at
        if not trusted.valid_at(made_at):
            self.problem(KeyNotValid.code, n, f"key {key_id} valid from {trusted.valid_from} "
                         f"to {trusted.valid_until}", f"an event made at {made_at.isoformat()}")
        if n.topic == topics.OPERATOR_REGISTERED:
            # The log is anchored to its operator: its registration names the first key.
            named = str(envelope.fields["event"]["verifier_key"]).split("+")[1]
            self.origin = str(envelope.fields["event"]["origin"])
            if self.current_key is not None or key_id != named:
                self.problem(KeyNotValid.code, n, f"the log's first event, signed by the key "
                             f"it names ({named})", f"key {key_id} after "
                             f"{self.report.events - 1} events")
            self.current_key = named
        elif self.current_key is None:
            self.problem(KeyNotValid.code, n, "the log to start with the operator's "
                         "registration naming its key", f"{n.topic} signed by key {key_id}")
            self.current_key = key_id
        elif key_id != self.current_key:
            self.problem(KeyNotValid.code, n, f"the key in force at this position "
                         f"({self.current_key})", f"key {key_id}")
        if n.topic == topics.OPERATOR_KEY_ROTATED:
            new_key = str(envelope.fields["event"]["new_verifier_key"]).split("+")[1]
            self.current_key = new_key

    def flush(self) -> None:
        for position in self.checker.submit(self.page):
            self.report.problems.append(Problem(
                SignatureInvalid.code, position, None, None, "a valid Ed25519 signature",
                "a signature that does not verify"))
        self.report.signatures_checked += len(self.page)
        self.page = []

    def chain(self, n: Notification, envelope: Envelope) -> None:
        originator = aggregate_key(n.originator_id)
        head = self.heads.get(originator)
        version = int.from_bytes(head[:8], "big", signed=True) if head is not None else 0
        digest = head[8:].hex() if head is not None else GENESIS
        if n.originator_version != version + 1:
            self.problem(ChainBroken.code, n, f"version {version + 1} next",
                         f"version {n.originator_version} (an event is missing or moved)")
        elif envelope.prev != digest:
            self.problem(ChainBroken.code, n, f"a link to {digest[:16]}…",
                         f"{envelope.prev[:16]}… (the event before it changed)")
        self.heads[originator] = (n.originator_version.to_bytes(8, "big", signed=True)
                                  + bytes.fromhex(envelope.digest))
        self.report.aggregates = len(self.heads)

    def replay(self, n: Notification, envelope: Envelope) -> None:
        if not self.state.wants(n.topic):
            return  # reservations and transfers are replayed through the batch's own events
        try:
            event = domain_event_of(n, envelope)
            checked = self.state.apply(n.topic, event)
        except Exception as e:  # a history the domain model itself cannot replay
            self.problem(ConservationViolated.code, n, "an event the batch can apply",
                         f"{type(e).__name__}: {e}")
            return
        if checked is not None:
            self.invariant(n, checked)
        if n.topic == topics.RETIREMENT_REVEALED:
            self.report.commitments_checked += 1
            if str(n.originator_id) in self.state.mismatched_commitments:
                self.problem(CommitmentMismatch.code, n, "the revealed beneficiary and salt to "
                             "hash to the commitment the retirement signed", "another hash")
        if n.topic == topics.BATCH_MINTED:
            self.minted_once(n, event)

    def minted_once(self, n: Notification, minted: Any) -> None:
        """No serial is minted twice: the batch's range, in its numbering space spelt the one
        canonical way (a store written before spellings were canonical may hold a double
        mint through a leading zero or an upper-case UUID), overlaps no earlier batch's."""
        document = getattr(minted, "document", {}) or {}
        registry = str(getattr(minted, "registry", ""))
        scope = serial_scope(registry, str(document.get("serial_native", "")))
        first, last = int(minted.serial_first), int(minted.serial_last)
        reference = str(getattr(minted, "reference", ""))
        for other, (o_first, o_last) in self.minted.get((registry, scope), {}).items():
            if first <= o_last and o_first <= last:
                self.problem(SerialOverlap.code, n, f"serials {first}..{last} of {reference} "
                             f"minted once in scope {scope}", f"{max(first, o_first)}.."
                             f"{min(last, o_last)} minted before by {other}")
        self.minted.setdefault((registry, scope), {})[reference] = (first, last)

    def invariant(self, n: Notification, batch: CreditBatch) -> None:
        t = batch.totals()
        self.report.invariant_checks += 1
        pools = sum(t[k] for k in POOLS)
        if t["minted"] != pools:
            self.problem(ConservationViolated.code, n, f"minted {t['minted']} = "
                         f"{' + '.join(POOLS)}", f"{pools}")

    def leaf(self, n: Notification, payload: bytes) -> None:
        completed = self.tree.append(merkle.leaf_hash(payload))
        if self.stored is not None:
            self.stored.add(n, completed)
        size = self.tree.size
        checkpoint = self.checkpoints.get(size)
        if size in self.roots or checkpoint is not None:
            self.roots[size] = self.tree.root()
        if checkpoint is not None:
            self.report.checkpoints_checked += 1
            if checkpoint.root_hash != self.roots[size]:
                self.problem(CheckpointMismatch.code, n, "the signed root of tree size "
                             f"{size} to equal the root recomputed from the events",
                             "a different root (an event was changed, removed or reordered)")


def parse(n: Notification, replay: Replay) -> Envelope | None:
    try:
        envelope = open_envelope(bytes(n.state))
        envelope.made_at  # noqa: B018 - every later check needs the event's time: fail here
    except ValueError as e:
        replay.problem(SignatureInvalid.code, n, "a signed envelope", str(e))
        return None
    return envelope


def run_replay(events: EventStore, replay: Replay, upto: int | None, as_of: datetime | None,
               progress: Progress = silent) -> None:
    """Stream the log through ``replay`` until its end, ``upto`` or ``as_of``."""
    head = events.head()
    end = min(head, upto) if upto is not None else head
    start = 1
    while start <= end and not replay.stop:
        page = events.recorder.select_notifications(start, PAGE, stop=end)
        if not page:
            break
        for n in page:
            envelope = parse(n, replay)
            if as_of is not None and envelope is not None and envelope.made_at > as_of:
                replay.report.stopped_at = f"{as_of.isoformat()} (before position {n.id})"
                return
            replay.feed(n, envelope)
            if replay.stop:
                return
        start = page[-1].id + 1
        progress("audit: log position", replay.report.last_position, end)
    if upto is not None and end < head:
        replay.report.stopped_at = f"position {end}"
