"""The signing Mapper: the one place that sees originator id, version, topic and stored bytes.

Writing, it builds the canonical payload, links it to the previous event of the same aggregate
and signs it. Reading, it verifies the signature, that the stored columns are the signed ones,
that the key was valid when the event was made, and the hash link; any failure raises a
:class:`~ledger.errors.VerificationFailed` error. There is no unsigned path.
"""

from __future__ import annotations

import typing
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol, Snapshot
from eventsourcing.persistence import AggregateRecorder, Mapper, StoredEvent
from eventsourcing.utils import get_topic, resolve_topic

from ledger.errors import ChainBroken, KeyNotValid, SignatureInvalid
from ledger.ids import as_uuid
from ledger.signing.envelope import (
    GENESIS,
    Envelope,
    build_payload,
    open_envelope,
    payload_digest,
    seal,
)
from ledger.signing.keys import Keyring, TrustedKey

HEADS_CACHE_SIZE = 100_000


class SigningMapper(Mapper[UUID]):
    """Signs every event on the way in and verifies it on the way out."""

    keyring: Keyring
    recorder: AggregateRecorder | None = None
    refresh_keys: Callable[[], Keyring] | None = None
    """Reads the key directory again: an event signed by a key this mapper does not know may
    come from a rotation another process made since the keys were read."""

    def __init__(self, *args: Any, keyring: Keyring, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.keyring = keyring
        # originator id -> (version, payload digest) of the newest event seen or written.
        self._heads: OrderedDict[str, tuple[int, str]] = OrderedDict()

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        """Sign an event on its way into the store, linked to its aggregate's previous one."""
        signer = self.keyring.require_signer()
        state = dict(vars(domain_event))
        originator_id = str(state.pop("originator_id"))
        version = int(state.pop("originator_version"))
        topic = get_topic(type(domain_event))
        is_snapshot = isinstance(domain_event, Snapshot)
        # A snapshot links to the event it summarises; an event to the one before it.
        linked = version + 1 if is_snapshot else version
        payload = build_payload(
            originator_id=originator_id,
            version=version,
            topic=topic,
            event=state,
            key_id=signer.key_id,
            prev=self._prev_digest(originator_id, linked),
        )
        if not is_snapshot:
            self._remember(originator_id, version, payload_digest(payload))
        return StoredEvent(
            originator_id=UUID(originator_id),
            originator_version=version,
            topic=topic,
            state=seal(payload, signer.sign(payload)),
        )

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        """Verify a stored event (see :meth:`verify`) and decode it."""
        return domain_event_of(stored_event, self.verify(stored_event))

    def verify(self, stored_event: StoredEvent, checked: Envelope | None = None) -> Envelope:
        """Check one stored event; raise VerificationFailed naming aggregate and version.
        ``checked``: its envelope, opened and its signature already checked
        (:class:`~ledger.signing.batch.SignatureChecks`); every other check is made here."""
        envelope = checked or self.open(stored_event)
        key = self.key_of(envelope)
        if checked is None and not key.verify(envelope.signature, envelope.payload):
            raise bad_signature(stored_event, key)
        check_binding(stored_event, envelope)
        try:
            made_at = envelope.made_at
        except ValueError as e:
            raise KeyNotValid(f"{where(stored_event)}: {e}") from None
        if not key.valid_at(made_at):
            raise KeyNotValid(
                f"{where(stored_event)}: signed by key {key.key_id} at {made_at.isoformat()}, "
                f"outside its validity window ({key.valid_from} to {key.valid_until})"
            )
        originator_id = str(stored_event.originator_id)
        version = stored_event.originator_version
        if issubclass(resolve_topic(stored_event.topic), Snapshot):
            # The snapshot vouches for the digest of the event it summarises.
            self._remember(originator_id, version, envelope.prev)
            return envelope
        expected = self._known_prev(originator_id, version)
        if expected is not None and envelope.prev != expected:
            raise ChainBroken(
                f"{where(stored_event)}: expected link to previous event {expected[:16]}…, "
                f"found {envelope.prev[:16]}… (an event before it was changed or removed)"
            )
        self._remember(originator_id, version, envelope.digest)
        return envelope

    def open(self, stored_event: StoredEvent) -> Envelope:
        """The stored event's envelope, or SignatureInvalid when it is not one."""
        try:
            return open_envelope(stored_event.state)
        except ValueError as e:
            raise SignatureInvalid(f"{where(stored_event)}: expected a signed envelope, found {e}"
                                   ) from None

    def key_of(self, envelope: Envelope) -> TrustedKey:
        """The trusted key an envelope names; a key unknown here is looked for once more in
        the key directory (which sets this mapper's keyring) before it is refused
        (UnknownKey)."""
        if envelope.key_id not in self.keyring.trusted and self.refresh_keys is not None:
            self.refresh_keys()
        return self.keyring.key(envelope.key_id)

    def forget(self, originator_ids: typing.Iterable[UUID]) -> None:
        """Drop cached links for aggregates whose save failed."""
        for originator_id in originator_ids:
            self._heads.pop(str(originator_id), None)

    def _known_prev(self, originator_id: str, version: int) -> str | None:
        if version == 1:
            return GENESIS
        head = self._heads.get(originator_id)
        if head is not None and head[0] == version - 1:
            return head[1]
        return None

    def _prev_digest(self, originator_id: str, version: int) -> str:
        known = self._known_prev(originator_id, version)
        if known is not None:
            return known
        if self.recorder is None:
            raise ChainBroken(f"aggregate {originator_id}: no link to version {version - 1}")
        previous = self.recorder.select_events(
            UUID(originator_id), gt=version - 2, lte=version - 1
        )
        if not previous:
            raise ChainBroken(
                f"aggregate {originator_id} version {version}: expected a stored version "
                f"{version - 1} to link to, found none"
            )
        return self.verify(previous[0]).digest

    def _remember(self, originator_id: str, version: int, digest: str) -> None:
        self._heads[originator_id] = (version, digest)
        self._heads.move_to_end(originator_id)
        if len(self._heads) > HEADS_CACHE_SIZE:
            self._heads.popitem(last=False)


def domain_event_of(stored_event: StoredEvent, envelope: Envelope) -> DomainEventProtocol[UUID]:
    """The domain event a verified envelope holds."""
    cls = resolve_topic(stored_event.topic)
    state = decode_fields(cls, envelope.fields["event"])
    state["originator_id"] = as_uuid(stored_event.originator_id)
    state["originator_version"] = stored_event.originator_version
    domain_event = object.__new__(cls)
    object.__setattr__(domain_event, "__dict__", state)
    return typing.cast(DomainEventProtocol[UUID], domain_event)


def bad_signature(stored_event: StoredEvent, key: TrustedKey) -> SignatureInvalid:
    """The error for a stored event whose signature by ``key`` does not verify."""
    return SignatureInvalid(f"{where(stored_event)}: signature by key {key.key_id} does not verify")


def where(stored_event: StoredEvent) -> str:
    """Which event an error is about: its aggregate, version and (once stored) log position."""
    named = f"aggregate {stored_event.originator_id} version {stored_event.originator_version}"
    position = getattr(stored_event, "id", None)
    return named if position is None else f"{named} (log position {position})"


def check_binding(stored_event: StoredEvent, envelope: Envelope, label: str | None = None
                  ) -> None:
    """The stored columns must be exactly the ones that were signed; an error names the event
    as ``label`` (by default, where it is)."""
    signed = envelope.fields
    pairs = [
        ("originator id", str(stored_event.originator_id), str(signed["originator_id"])),
        ("version", str(stored_event.originator_version), str(signed["version"])),
        ("topic", stored_event.topic, str(signed["topic"])),
    ]
    for what, stored, signed_value in pairs:
        if stored != signed_value:
            raise SignatureInvalid(
                f"{label or where(stored_event)}: stored {what} {stored!r} is not the signed "
                f"{what} {signed_value!r}"
            )


def decode_fields(cls: type, event: dict[str, Any]) -> dict[str, Any]:
    """Restore UUID and datetime fields from their JSON strings, by the event's annotations."""
    uuids, datetimes = _typed_fields(cls)
    state = dict(event)
    for name in uuids:
        if state.get(name) is not None:
            state[name] = UUID(state[name])
    for name in datetimes:
        if state.get(name) is not None:
            state[name] = datetime.fromisoformat(state[name])
    return state


@cache
def _typed_fields(cls: type) -> tuple[frozenset[str], frozenset[str]]:
    hints = typing.get_type_hints(cls)
    uuids = {n for n, h in hints.items() if _is(h, UUID)}
    datetimes = {n for n, h in hints.items() if _is(h, datetime)}
    return frozenset(uuids), frozenset(datetimes)


def _is(hint: object, kind: type) -> bool:
    return hint is kind or kind in typing.get_args(hint)
