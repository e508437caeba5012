"""The retirement proof file: one signed ``Retirement.Recorded`` event, proved into the log.

A proof bundle is JSON with a fixed ``format`` identifier, a human-readable ``summary`` of the
retirement, the event's exact signed bytes and signature (base64), its ``leaf_index``, the
``tree_size`` and RFC 9162 ``inclusion_path`` (base64 hashes, leaf to root), and the signed C2SP
``checkpoint`` that covers it. ``schemas/retirement-proof.schema.json`` is generated from
:class:`ProofBundle`.

A proof file has one spelling, the one :func:`bundle_json` writes: two-space indented JSON with
the fields in schema order (an absent optional field written not at all, never as null),
non-ASCII characters unescaped, and a final newline (the same text Python's
``json.dumps(data, indent=2, ensure_ascii=False) + "\\n"`` prints). :func:`parse_bundle`
refuses any other spelling, so no byte of a proof file can change without the proof failing.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ledger import topics
from ledger.errors import InvalidArgument, ProofMalformed
from ledger.signing.envelope import open_envelope, seal
from ledger.transparency.checkpoint import MAX_UINT64
from ledger.transparency.tlog_proof import format_tlog_proof

Format = Literal["carbon-ledger/retirement-proof/v1"]
FORMAT: Format = "carbon-ledger/retirement-proof/v1"
RETIREMENT_TOPIC = topics.RETIREMENT_RECORDED
CONFIRMED_TOPIC = topics.RETIREMENT_CONFIRMED
REVEALED_TOPIC = topics.RETIREMENT_REVEALED
"""The topic of ``Retirement.Recorded`` (from :mod:`ledger.topics`: no domain import)."""

MAX_FILE_BYTES = 256 * 1024
"""The largest proof file (bundle or consistency proof) a verifier reads; real ones are ~3 KiB."""


# Canonical base64 (RFC 4648 §3.5: the unused bits of the last character are zero) as patterns,
# so that the schema alone refuses a second spelling of the same bytes. A final "x=" needs x in
# the first set (2 zero bits), a final "x==" in the second (4 zero bits).
_B64, _END1, _END2 = "[A-Za-z0-9+/]", "[AEIMQUYcgkosw048]", "[AQgw]"
Base64 = Annotated[str, Field(
    min_length=4, pattern=f"^(?:{_B64}{{4}})*(?:{_B64}{_END2}==|{_B64}{{2}}{_END1}=)?$"
)]
Hash = Annotated[str, Field(pattern=f"^{_B64}{{42}}{_END1}=$", description="SHA-256, base64")]
Signature = Annotated[str, Field(pattern=f"^{_B64}{{85}}{_END2}==$", description="Ed25519")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class SerialBlock(_Model):
    """An inclusive block of serial numbers within the batch."""

    first: int
    last: int


class RetirementSummary(_Model):
    """What the signed event says, for people: each field is checked against the event."""

    retirement_id: str = Field(description="The retirement's id (the event's originator id).")
    beneficiary: str
    buyer: str = Field(description="The eligible buyer the credits were retired for.")
    holder: str = Field(description="The account the credits were retired from.")
    quantity: int = Field(description="Credits retired, in `unit` (a tonne of CO2e each when "
                          "the proof names no unit).")
    batch: str
    source: str = Field(description="LEAF (ART TREES) or DAC.")
    vintage: int
    blocks: list[SerialBlock]
    reason: str
    claim_period: str
    retired_at: str = Field(description="The signed event's timestamp, verbatim.")
    labels: list[str] | None = Field(
        default=None, description="The labels the batch carried when the credits were "
        "retired (CORSIA phase, Article 6, corresponding adjustment, CCP); absent from proofs "
        "of retirements recorded before labels existed.")
    unit: Literal["t", "kg"] | None = Field(
        default=None, description="What one credit of `quantity` and one serial of `blocks` "
        "is: `t` (a tonne of CO2e) or `kg`; absent from proofs of retirements recorded "
        "before units were (tonnes).")
    purpose: str | None = Field(default=None, description="What the retirement is for.")
    claim_type: str | None = Field(default=None, description="offset or contribution.")
    consumption_country: str | None = Field(
        default=None, description="ISO 3166-1 code of where the emissions happened.")
    consumption_period: str | None = Field(
        default=None, description="YYYY or YYYY-YYYY: when the emissions happened.")
    public_note: str | None = Field(default=None, description="The buyer's public note.")
    registry_ref: str | None = Field(
        default=None, description="The registry's reference of the retirement, as the "
        "signed confirmation in `confirmation` says; absent when the proof carries none.")
    revealed_beneficiary: str | None = Field(
        default=None, description="A hidden beneficiary as the signed revelation in "
        "`revelation` says (its salted hash is the retirement's commitment); absent when the "
        "proof carries none.")


class SignedEvent(_Model):
    """The event's exact signed payload bytes and its Ed25519 signature, both base64."""

    payload: Base64
    signature: Signature

    def payload_bytes(self) -> bytes:
        """The signed payload (RFC 8785 JSON) exactly as logged."""
        return base64.b64decode(self.payload)

    def signature_bytes(self) -> bytes:
        """The 64-byte Ed25519 signature over the payload."""
        return base64.b64decode(self.signature)


class LaterEvent(_Model):
    """A later signed event of the same retirement (its registry confirmation, the revelation
    of its hidden beneficiary), proved into the same checkpoint as the retirement."""

    event: SignedEvent
    leaf_index: int = Field(ge=0, le=MAX_UINT64)
    inclusion_path: list[Hash] = Field(max_length=64, description="Leaf to root (RFC 9162).")

    def path_hashes(self) -> list[bytes]:
        """The inclusion path as raw 32-byte hashes."""
        return [base64.b64decode(hash_) for hash_ in self.inclusion_path]


class ProofBundle(_Model):
    """A retirement proof: the signed event, where it sits in the log, and the checkpoint;
    for a confirmed retirement, its confirmation too."""

    format: Format
    summary: RetirementSummary
    event: SignedEvent
    leaf_index: int = Field(ge=0, le=MAX_UINT64)
    tree_size: int = Field(ge=1, le=MAX_UINT64)
    inclusion_path: list[Hash] = Field(max_length=64, description="Leaf to root (RFC 9162).")
    checkpoint: str = Field(description="The C2SP signed checkpoint note, verbatim.")
    confirmation: LaterEvent | None = Field(
        default=None, description="The signed Confirmed event of a retirement the registry "
        "confirmed, proved into the same checkpoint; absent for a pending one (and in proofs "
        "made before confirmations existed).")
    revelation: LaterEvent | None = Field(
        default=None, description="The signed Revealed event of a retirement whose hidden "
        "beneficiary has been revealed, proved into the same checkpoint; absent otherwise.")

    def path_hashes(self) -> list[bytes]:
        """The inclusion path as raw 32-byte hashes."""
        return [base64.b64decode(hash_) for hash_ in self.inclusion_path]


_SAME_NAME_FIELDS = (
    "beneficiary", "buyer", "holder", "quantity", "batch", "source", "vintage", "reason",
    "claim_period",
)


_OPTIONAL_FIELDS = ("labels", "unit", "purpose", "claim_type", "consumption_country",
                    "consumption_period", "public_note")
"""Summary fields a signed retirement may not carry: recorded before they existed, or (claim
data) not given."""


def summary_of(envelope_fields: Mapping[str, Any]) -> RetirementSummary:
    """The summary a signed retirement envelope says; ValueError when a field is missing or
    of the wrong type."""
    try:
        event = envelope_fields["event"]
        return RetirementSummary.model_validate({
            "retirement_id": envelope_fields["originator_id"],
            **{name: event[name] for name in _SAME_NAME_FIELDS},
            "blocks": [{"first": first, "last": last} for first, last in event["blocks"]],
            "retired_at": event["timestamp"],
            **{name: event[name] for name in _OPTIONAL_FIELDS if name in event},
        })
    except KeyError as error:
        raise ValueError(f"the signed event has no field {error}") from None
    except ValidationError as error:
        raise ValueError(f"the signed event's {first_error(error)}") from None
    except (TypeError, ValueError) as error:
        raise ValueError(f"the signed event is not shaped as a retirement ({error})") from None



def make_bundle(
    payload: bytes,
    signature: bytes,
    leaf_index: int,
    tree_size: int,
    inclusion_path: Sequence[bytes],
    signed_checkpoint: str,
    confirmation: tuple[bytes, bytes, int, Sequence[bytes]] | None = None,
    revelation: tuple[bytes, bytes, int, Sequence[bytes]] | None = None,
) -> ProofBundle:
    """The proof bundle of one retirement event; the summary is read from the signed payload.

    Raises InvalidArgument for a payload that is not a signed retirement envelope or values
    out of range. It does not verify the proof: callers holding the trust list should run
    :func:`ledger.transparency.verify.verify_bundle` on :func:`bundle_json` before handing it out.
    """
    try:
        envelope = open_envelope(seal(payload, signature))
        topic = envelope.fields["topic"]
        if topic != RETIREMENT_TOPIC:
            raise ValueError(f"expected a {RETIREMENT_TOPIC} event, found {topic!r}")
        summary = summary_of(envelope.fields)
        if confirmation is not None:
            summary = summary.model_copy(
                update={"registry_ref": _later_field(confirmation, CONFIRMED_TOPIC,
                                                     "registry_ref")})
        if revelation is not None:
            summary = summary.model_copy(update={"revealed_beneficiary": _later_field(
                revelation, REVEALED_TOPIC, "beneficiary")})
        return ProofBundle(
            format=FORMAT,
            summary=summary,
            event=SignedEvent(payload=_b64(payload), signature=_b64(signature)),
            leaf_index=leaf_index,
            tree_size=tree_size,
            inclusion_path=[_b64(hash_) for hash_ in inclusion_path],
            checkpoint=signed_checkpoint,
            confirmation=None if confirmation is None else _later(*confirmation),
            revelation=None if revelation is None else _later(*revelation),
        )
    except ValueError as error:  # pydantic's ValidationError is a ValueError
        raise InvalidArgument(f"cannot make a retirement proof: {error}") from None


def _later(payload: bytes, signature: bytes, leaf_index: int,
           path: Sequence[bytes]) -> LaterEvent:
    return LaterEvent(event=SignedEvent(payload=_b64(payload), signature=_b64(signature)),
                      leaf_index=leaf_index, inclusion_path=[_b64(h) for h in path])


def _later_field(later: tuple[bytes, bytes, int, Sequence[bytes]], topic: str,
                 name: str) -> str:
    envelope = open_envelope(seal(later[0], later[1]))
    if envelope.fields["topic"] != topic:
        raise ValueError(f"expected a {topic} event, found {envelope.fields['topic']!r}")
    return str(envelope.fields["event"][name])


SALT = re.compile(r"[0-9a-f]{32}")
"""A hidden beneficiary's salt: 16 random bytes, lower-case hex."""


def commitment(beneficiary: object, salt: object) -> str | None:
    """SHA-256 over the salt's bytes and the UTF-8 name, hex: what a retirement with a hidden
    beneficiary signs. None for a salt not of :data:`SALT`'s shape or a name that is not
    text UTF-8 can write (a lone surrogate): neither can match any commitment."""
    if not isinstance(salt, str) or not isinstance(beneficiary, str) or not SALT.fullmatch(salt):
        return None
    try:
        name = beneficiary.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return hashlib.sha256(bytes.fromhex(salt) + name).hexdigest()


def bundle_json(bundle: ProofBundle) -> bytes:
    """The proof file's one canonical spelling (see the module docstring)."""
    # exclude_none: a summary without labels (an older retirement) has no "labels" field.
    return (bundle.model_dump_json(indent=2, exclude_none=True) + "\n").encode()


def parse_bundle(raw: bytes) -> ProofBundle:
    """Parse a proof file strictly: size, JSON, the model, then the canonical spelling.

    Raises ProofMalformed; an empty input is malformed.
    """
    if not raw:
        raise ProofMalformed("expected a proof file, found empty input")
    if len(raw) > MAX_FILE_BYTES:
        raise ProofMalformed(
            f"expected a proof file of at most {MAX_FILE_BYTES} bytes, found {len(raw)}"
        )
    try:
        bundle = ProofBundle.model_validate_json(raw)
        canonical = bundle_json(bundle)
    except ValidationError as error:
        raise ProofMalformed(first_error(error)) from None
    except ValueError as error:  # a str pydantic accepted but cannot write back out
        raise ProofMalformed(f"expected text that can be written as UTF-8, found {error}") from None
    if canonical != raw:
        same = zip(canonical, raw, strict=False)
        offset = next((i for i, (a, b) in enumerate(same) if a != b), min(len(canonical), len(raw)))
        raise ProofMalformed(
            f"expected the file exactly as `ledger proof` wrote it (canonical JSON), found a "
            f"difference at byte {offset}"
        )
    return bundle


def to_tlog_proof(bundle: ProofBundle) -> str:
    """The same proof as C2SP ``tlog-proof@v1`` text (https://c2sp.org/tlog-proof).

    The event bytes do not fit in that format, so a tlog-proof verifier must be given the leaf
    from elsewhere: SHA-256(0x00 || the event's signed payload), the ``event.payload`` of the
    bundle. Given it and the operator's verifier key, a tlog-proof verifier checks that the
    checkpoint is signed by that key and names the expected log (origin), and that the leaf is at
    ``index`` in the tree that checkpoint commits to. It does not check the event's own
    signature, its key's validity window, that the event is a retirement, or any field of the
    summary: only :func:`ledger.transparency.verify.verify_bundle` does.
    """
    return format_tlog_proof(bundle.leaf_index, bundle.path_hashes(), bundle.checkpoint)


def bundle_schema() -> dict[str, Any]:
    """The JSON Schema of the proof file, for ``schemas/retirement-proof.schema.json``."""
    schema = ProofBundle.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Retirement proof"
    return schema


def first_error(error: ValidationError) -> str:
    """The first failure of a validation, on one line: where, then what."""
    first = error.errors(include_url=False)[0]
    where = ".".join(str(part) for part in first["loc"]) or "the file"
    return f"`{where}`: {first['msg']}"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
