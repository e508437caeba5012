"""`ledger verify-page`: the page on which a buyer checks a proof with no ledger installed."""

from __future__ import annotations

from pathlib import Path

import click

from ledger.cli.options import renders
from ledger.cli.text import text_of
from ledger.cli.verify import trust_options, trusted_keys
from ledger.signing.keys import read_trust
from ledger.web import verify_page as page


@click.command("verify-page")
@trust_options
@renders(output=True)
def verify_page(key: str | None, trust: str | None) -> page.VerifyPage:
    """Write the web page that checks a proof in a buyer's browser.

    One self-contained HTML file that loads nothing and sends nothing: it runs the checks of
    `ledger verify`, in the same order, on a proof file the buyer drops on it, against the
    operator's key they paste. With --key or --trust, that key or trust list is filled in, and
    the page tells the buyer to compare it with an independent source. Opening the page as
    FILE#proof=BASE64URL&key=VKEY checks at once.
    """
    if key is None and trust is None:
        return page.verify_page()
    if trust is not None and key is None:
        read_trust(Path(trust))  # refuse a list `ledger verify --trust` would refuse
        return page.verify_page(Path(trust).read_text(encoding="utf-8"))
    return page.verify_page(trusted_keys(key, trust)[0].verifier_key)


@text_of.register
def _(result: page.VerifyPage) -> str:
    return result.html
