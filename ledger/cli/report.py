"""`ledger report claims`: a buyer's claims report for a period, as text, JSON, CSV or HTML."""

from __future__ import annotations

import csv
import dataclasses
import html
import io

import click

from ledger.cli.options import catch_up_option, with_unit
from ledger.cli.render import emit
from ledger.cli.text import table, text_of
from ledger.usecases import claims
from ledger.usecases.claims import ClaimsReport
from ledger.usecases.unit import UnitOfWork

FORMATS = ("text", "json", "csv", "html")
COLUMNS = ("retired_at", "retirement", "beneficiary", "batch", "registry", "project", "vintage",
           "kind", "quantity", "unit", "serials", "labels", "corresponding_adjustment",
           "claim_period", "status", "registry_ref", "confirmed_at", "log_index")


@click.group()
def report() -> None:
    """Reports for buyers and their auditors: `ledger report claims`."""


@report.command("claims")
@click.option("--buyer", required=True, help="The buyer's account handle.")
@click.option("--period", required=True, metavar="YYYY[-YYYY]",
              help="The reporting period: retirements claimed for it.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="The same as --format json.")
@click.option("-o", "--output", metavar="FILE", help="Write it to FILE instead of stdout.")
@catch_up_option
@with_unit()
def report_claims(uow: UnitOfWork, buyer: str, period: str, fmt: str, as_json: bool,
                  output: str | None, no_catch_up: bool) -> int:
    """A buyer's retirements claimed for a period, the totals (removals and reductions, and
    what open reservations still plan), and three checks: retired within 12 months after the
    period (ISO 14068-1), confirmed by the registry, for the buyer by name. Exit 0 when every
    check passes, 5 with the problems listed."""
    result = claims.claims_report(uow, buyer=buyer, period=period, catch_up=not no_catch_up)
    return emit(dataclasses.replace(result, format=fmt), as_json=as_json or fmt == "json",
                output=output)


def cell(value: object) -> str:
    if isinstance(value, list):
        return "; ".join(map(str, value))
    return "" if value is None else str(value)


@text_of.register
def _(result: ClaimsReport) -> str:
    if result.format == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows([[cell(r[c]) for c in COLUMNS] for r in result.retirements])
        return out.getvalue()
    if result.format == "html":
        return page(result)
    parts = [f"claims report: {result.buyer} ({result.buyer_name}), period {result.period}, "
             f"to be retired before {result.retired_before}"]
    rows = [[r["retired_at"][:10], r["beneficiary"], r["batch"], r["kind"],
             f"{r['quantity']} {r['unit']}", r["status"], r["registry_ref"] or "",
             ", ".join(r["labels"])] for r in result.retirements]
    parts.append(table(["retired", "beneficiary", "batch", "kind", "quantity", "status",
                        "registry ref", "labels"], rows) if rows else "no retirements")
    totals = ", ".join(f"{t['kind']} {t['quantity']} {t['unit']}" for t in result.totals)
    planned = ", ".join(f"{p['quantity']} {p['unit']}" for p in result.planned)
    parts.append(f"retired: {totals or 'none'}; planned under open reservations: "
                 f"{planned or 'none'}")
    parts += [f"problem {p['check']}: retirement {p['retirement']}: {p['message']}"
              for p in result.problems]
    return "\n".join(parts)


def page(result: ClaimsReport) -> str:
    """One self-contained HTML page (no script, no external resource)."""
    e = html.escape
    head = "".join(f"<th>{e(c.replace('_', ' '))}</th>" for c in COLUMNS)
    body = "".join("<tr>" + "".join(f"<td>{e(cell(r[c]))}</td>" for c in COLUMNS) + "</tr>"
                   for r in result.retirements)
    totals = "".join(f"<li>{e(t['kind'])}: {t['quantity']:,} {e(t['unit'])}</li>"
                     for t in result.totals) or "<li>none</li>"
    planned = "".join(f"<li>{p['quantity']:,} {e(p['unit'])}</li>"
                      for p in result.planned) or "<li>none</li>"
    problems = "".join(f"<li><code>{e(p['check'])}</code> {e(p['retirement'])}: "
                       f"{e(p['message'])}</li>" for p in result.problems)
    verdict = (f"<p class=problems>{len(result.problems)} problems</p><ul>{problems}</ul>"
               if result.problems else "<p class=clean>Every check passed.</p>")
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; "
        "style-src 'unsafe-inline'\">"
        f"<title>Claims report: {e(result.buyer_name)}, {e(result.period)}</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #999;padding:.2em .4em;font-size:.85em}"
        ".problems{color:#a00}.clean{color:#060}</style></head><body>"
        f"<h1>Claims report: {e(result.buyer_name)} ({e(result.buyer)}), {e(result.period)}</h1>"
        f"<p>Retirements claimed for the period; each must be retired before "
        f"{e(result.retired_before)} (within 12 months after the period, ISO 14068-1), "
        "confirmed by the "
        "registry, and for the buyer by name.</p>"
        f"{verdict}<h2>Retirements</h2><table><tr>{head}</tr>{body}</table>"
        f"<h2>Retired in the period</h2><ul>{totals}</ul>"
        f"<h2>Planned under open reservations</h2><ul>{planned}</ul></body></html>"
    )
