"""How each result reads as text for people: one function per kind of result."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from functools import singledispatch

from ledger.views import (
    AccountView,
    AmendmentView,
    BalanceView,
    BatchView,
    Block,
    CancellationView,
    CheckpointsView,
    CheckpointView,
    ConsistencyView,
    ImportReport,
    InitView,
    KeyView,
    LabelView,
    MintView,
    PublishView,
    ReservationView,
    RetirementsView,
    RetirementView,
    ReversalView,
    RotationView,
    StatusView,
    SupplyView,
    TransferView,
    TrustExportView,
)

COUNTS = ["minted", "available", "reserved", "held", "retired", "cancelled", "buffer", "reversed"]


def shown(text: str) -> str:
    """Text from outside (signed fields, names) as it may go to a terminal: anything
    unprintable is shown escaped."""
    return text if text.isprintable() else repr(text)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain text table: numbers right-aligned, the rest left-aligned."""
    cells = [[str(h) for h in headers], *[[str(c) for c in r] for r in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [
        "  ".join(c.rjust(w) if c.isdigit() else c.ljust(w)
                  for c, w in zip(row, widths, strict=True)).rstrip()
        for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


@singledispatch
def text_of(result: object) -> str:
    """The text form of a result."""
    return str(result)


@text_of.register
def _(result: list) -> str:  # type: ignore[type-arg]
    return "\n".join(text_of(r) for r in result) or "nothing to do"


def credits(quantity: int, unit: str) -> str:
    """A quantity as people read it: whole credits (tonnes), or kilograms with the tonnes they
    make to three decimals."""
    if unit == "kg":
        return f"{quantity} kg ({quantity // 1000}.{quantity % 1000:03d} t)"
    return f"{quantity} credits"


def blocks_text(blocks: Sequence[Block]) -> str:
    return ", ".join(f"{b.batch} [{b.first}..{b.last}]" for b in blocks)


@text_of.register
def _(result: MintView) -> str:
    return (f"minted {result.batch} ({result.source}): {credits(result.quantity, result.unit)}, "
            f"serials {result.serial_first}..{result.serial_last} in scope {result.scope}")


@text_of.register
def _(result: AccountView) -> str:
    pledge = "Climate Pledge" if result.climate_pledge else "no Climate Pledge"
    scopes = ",".join(map(str, result.scope_targets)) or "none"
    return (f"account {result.handle} ({result.role}) {result.name}: {pledge}; "
            f"scope targets {scopes}; {result.eligibility}")


@text_of.register
def _(result: ReservationView) -> str:
    return (f"reservation {result.reservation} {result.status}: "
            f"{credits(result.quantity, result.unit)} "
            f"for {result.buyer}, expires {result.expires_at:%Y-%m-%d %H:%M UTC}\n"
            f"  blocks: {blocks_text(result.blocks)}")


@text_of.register
def _(result: TransferView) -> str:
    return (f"transfer {result.transfer}: {credits(result.quantity, result.unit)} of "
            f"{result.batch} "
            f"from {result.sender} to {result.recipient}\n"
            f"  blocks: {blocks_text(result.blocks)}")


@text_of.register
def _(result: RetirementView) -> str:
    return (f"retirement {result.retirement}: {credits(result.quantity, result.unit)} of "
            f"{result.batch} "
            f"retired by {result.holder} for {result.buyer}, beneficiary "
            f"{result.beneficiary!r}, claim period {result.claim_period}, reason "
            f"{result.reason!r}\n  blocks: {blocks_text(result.blocks)}"
            f"{labels_text(result.labels)}"
            + (f"\n  replaces: retirement {result.replaces}" if result.replaces else "")
            + "".join(f"\n  {k.replace('_', ' ')}: {v!r}" for k, v in result.claim.items())
            + f"\n  status: {result.status}"
            + (f" as {result.registry_ref!r}" if result.registry_ref else "")
            + (f" ({result.registry_url})" if result.registry_url else ""))


@text_of.register
def _(result: CancellationView) -> str:
    details = f", details {result.details!r}" if result.details else ""
    return (f"cancellation {result.cancellation} ({result.type}): "
            f"{credits(result.quantity, result.unit)} of "
            f"{result.batch} cancelled by {result.holder}, reason {result.reason!r}{details}\n"
            f"  blocks: {blocks_text(result.blocks)}{labels_text(result.labels)}")


def labels_text(labels: Sequence[str]) -> str:
    return f"\n  labels: {', '.join(labels)}" if labels else ""


@text_of.register
def _(result: ReversalView) -> str:
    return (f"reversal {result.reversal}: {result.quantity} {result.unit} of {result.batch} "
            f"reported "
            f"lost ({result.evidence!r}); the batch: {result.reversed} reversed, "
            f"{result.replaced} replaced")


@text_of.register
def _(result: AmendmentView) -> str:
    return (f"batch {result.batch}: {result.field} amended from {result.old!r} to "
            f"{result.new!r} ({result.evidence!r})")


@text_of.register
def _(result: LabelView) -> str:
    return (f"batch {result.batch}: {result.label} {result.change} from {result.effective} "
            f"({result.evidence!r})\n  labels now: {', '.join(result.labels) or 'none'}")


@text_of.register
def _(result: BatchView) -> str:
    holders = ", ".join(f"{h} {n}" for h, n in sorted(result.holders.items())) or "none"
    labels = ", ".join(f"{k} (from {v})" for k, v in result.labels.items()) or "none"
    return (f"batch {result.batch} ({result.source}, vintage {result.vintage}, "
            f"serials {result.serial_first}..{result.serial_last}"
            f"{', in kg' if result.unit == 'kg' else ''})\n"
            f"  minted {result.minted} = available {result.available} + reserved "
            f"{result.reserved} + held {result.held} + retired {result.retired} + "
            f"cancelled {result.cancelled}\n"
            f"  holders: {holders}\n"
            f"  buffer {result.buffer} (in the registry's pool); reversed {result.reversed}, "
            f"replaced {result.replaced}\n"
            f"  labels: {labels}"
            + "".join(f"\n  amended: {a['field']} from {a['from']!r} to {a['to']!r} "
                      f"({a['evidence']!r})" for a in result.amendments))


@text_of.register
def _(result: BalanceView) -> str:
    if not result.batches:
        return f"{result.holder}: no credits"
    rows = [(b.batch, b.unit, b.available, b.reserved, b.retired, b.cancelled)
            for b in result.batches]
    return f"{result.holder}\n" + table(
        ("batch", "unit", "available", "reserved", "retired", "cancelled"), rows)


@text_of.register
def _(result: SupplyView) -> str:
    columns = [*result.keys, *COUNTS]
    return table(columns, [[r[k] for k in columns] for r in result.rows])


@text_of.register
def _(result: RetirementsView) -> str:
    if not result.retirements:
        return "no retirements"
    rows = [[r["retired_at"][:10], r["buyer"], r["beneficiary"], r["batch"],
             f"{r['quantity']} {r['unit']}",
             ", ".join(f"{f}..{la}" for f, la in r["blocks"]), r["claim_period"],
             r["status"] + (f" {r['registry_ref']}" if r["registry_ref"] else ""), r["reason"]]
            for r in result.retirements]
    parts = [table(["date", "buyer", "beneficiary", "batch", "quantity", "serials",
                    "claim period", "status", "reason"], rows)]
    for by, totals in (("year", result.totals_by_year), ("source", result.totals_by_source)):
        parts.append(f"totals by {by}\n" + table(
            ["buyer", by, "quantity", "retirements"],
            [[t["buyer"], t[by], f"{t['quantity']} {t['unit']}", t["retirements"]]
             for t in totals]))
    return "\n\n".join(parts)


@text_of.register
def _(result: StatusView) -> str:
    rows = [[p.projection, "not built" if p.position is None else p.position, p.head, p.lag]
            for p in result.projections]
    shown = table(["projection", "position", "head", "lag"], rows)
    if result.saves is None:
        return shown
    if not result.saves:
        return shown + "\n\nsaves: none in the last 7 days"
    return shown + "\n\nsaves, last 7 days (UTC):\n" + table(
        ["day", "commands", "attempts", "conflicts retried", "given up"],
        [[d.day, d.commands, d.attempts, d.conflicts, d.gave_up] for d in result.saves])


@text_of.register
def _(result: InitView) -> str:
    return (f"ledger at {result.store}, operator {result.operator}, origin {result.origin}\n"
            f"verifier key: {result.verifier_key}\nkeys in {result.key_dir}"
            + (" (new)" if result.key_created else ""))


@text_of.register
def _(result: KeyView) -> str:
    return result.verifier_key


@text_of.register
def _(result: RotationView) -> str:
    return (f"rotated {result.old_key_id} -> {result.new_key_id} at "
            f"{result.switch_at.isoformat()}\nverifier key: {result.verifier_key}")


@text_of.register
def _(result: TrustExportView) -> str:
    return f"wrote {result.keys} trusted keys to {result.file}"


@text_of.register
def _(result: CheckpointView) -> str:
    return result.note


@text_of.register
def _(result: CheckpointsView) -> str:
    if not result.checkpoints:
        return "no checkpoints yet (ledger checkpoint)"
    rows = [(c.tree_size, base64.b64encode(c.root_hash).decode(), c.key_id,
             f"{c.signed_at:%Y-%m-%d %H:%M:%S}")
            for c in result.checkpoints]
    return table(("tree size", "root hash", "key", "signed at (UTC)"), rows)


@text_of.register
def _(result: ConsistencyView) -> str:
    return "".join(f"{hash_}\n" for hash_ in result.proof)  # `verify-consistency` reads this


@text_of.register
def _(result: PublishView) -> str:
    return (f"published the log at tree size {result.tree_size} to {result.directory}: "
            f"{result.files} files (checkpoint, tiles, entry bundles)")


@text_of.register
def _(result: ImportReport) -> str:
    report = result.to_json()
    return (f"imported {report['operations']} operations from {report['lines']} lines in "
            f"{report['transactions']} transactions, {report['seconds']} s "
            f"({report['operations_per_second']:,.0f} operations/s)")
