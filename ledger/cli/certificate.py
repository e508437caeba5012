"""`ledger certificate RETIREMENT -o cert.html`: one printable, self-contained page."""

from __future__ import annotations

import base64
import html

import click

from ledger.cli.options import renders, with_unit
from ledger.cli.text import text_of
from ledger.usecases import certificates
from ledger.usecases.certificates import Certificate
from ledger.usecases.unit import UnitOfWork

STYLE = ("body{font-family:Georgia,serif;max-width:48em;margin:2em auto;color:#111}"
         "h1{font-size:1.6em}dt{font-weight:bold;margin-top:.5em}dd{margin-left:0}"
         "code,pre{font-size:.8em;overflow-wrap:anywhere;white-space:pre-wrap}"
         ".qr{float:right;margin-left:1em}@media print{details{display:none}}")


@click.command()
@click.argument("retirement")
@click.option("--base-url", envvar="LEDGER_BASE_URL", metavar="URL",
              help="Where `ledger serve` is published (https://…): adds a QR code to the "
                   "retirement's public page [env: LEDGER_BASE_URL].")
@renders(output=True)
@with_unit()
def certificate(uow: UnitOfWork, retirement: str, base_url: str | None) -> Certificate:
    """Write a retirement's certificate: one printable page with its facts, status, registry
    reference and its proof inside (checkable offline with `ledger verify`)."""
    return certificates.certificate(uow, retirement=retirement, base_url=base_url)


@text_of.register
def certificate_page(c: Certificate) -> str:
    """The page: no script, no outside resource; the proof inside as text and a download."""
    e = html.escape
    r, b = c.retirement, c.batch
    amount = (f"{r.quantity:,} kg of CO2e ({r.quantity / 1000:.3f} t)" if r.unit == "kg"
              else f"{r.quantity:,} credits (tonnes of CO2e)")
    kind = "emission reductions (LEAF, jurisdictional REDD+)" if r.source == "LEAF" \
        else "carbon removals (direct air capture)"
    status = {"confirmed": f"confirmed by the registry as {r.registry_ref}"
              if r.registry_ref else "confirmed",
              "pending": "pending: not yet confirmed by the registry"}.get(r.status, r.status)
    facts = [("Beneficiary", r.beneficiary), ("Quantity", amount),
             ("Credits", f"{kind}, vintage {r.vintage}"),
             ("Project", str(b.document.get("project", {}).get("name", ""))),
             ("Registry and batch", f"{b.registry}, {r.batch}"),
             ("Serial numbers", "; ".join(c.serials)), ("Reason", r.reason),
             ("Claim period", r.claim_period),
             *((k.replace("_", " ").capitalize(), v) for k, v in r.claim.items()),
             ("Labels", ", ".join(r.labels) or "none"), ("Status", status),
             ("Retired at", r.retired_at.isoformat()), ("Retirement id", r.retirement)]
    rows = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in facts)
    qr = ""
    if c.page_url is not None:
        import segno

        svg = segno.make(c.page_url, error="m").svg_inline(scale=3)
        qr = (f'<div class="qr">{svg}<br><a href="{e(c.page_url)}">public page</a></div>')
    proof64 = base64.b64encode(c.proof).decode("ascii")
    name = f"retirement-{r.retirement}-proof.json"
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src data:\">"
        f"<title>Retirement certificate: {e(r.beneficiary)}</title><style>{STYLE}</style>"
        f"</head><body>{qr}<h1>Certificate of retirement</h1>"
        f"<p>{e(amount)} retired for <strong>{e(r.beneficiary)}</strong>.</p><dl>{rows}</dl>"
        "<h2>Check it yourself</h2><p>This retirement is an event in the operator's signed, "
        "append-only log. Its proof is inside this page: "
        f'<a download="{e(name)}" href="data:application/json;base64,{proof64}">save the '
        f"proof</a> and run <code>ledger verify {e(name)} --key {e(c.verifier_key)}</code>, "
        "or open it in the operator's /verify page, which checks it in your browser.</p>"
        f"<details><summary>The proof ({len(c.proof):,} bytes)</summary>"
        f"<pre>{e(c.proof.decode())}</pre></details>"
        f"<p>Operator's verifier key: <code>{e(c.verifier_key)}</code></p></body></html>"
    )


