"""The page on which a buyer verifies a retirement proof in their own browser.

One self-contained HTML file: ``static/python.js`` (the Python semantics the verifier relies
on), ``static/verify.js`` (the checks of :func:`ledger.transparency.verify.verify_bundle`) and
``static/page.js`` (the form) inlined as its one script, ``static/verify.css`` as its one
style, and a Content-Security-Policy that allows exactly those two by their SHA-256 hashes and
nothing else, so the page can load nothing and send nothing. The policy is also in the page (a
``<meta>``), so that a saved copy enforces it offline.

The operator's key, when the page is served with one, goes into the page as escaped HTML text,
never into the script: the script's hash stays the same for every page.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")

_KEY_CAME_WITH_PAGE = (
    "The key below came with this page: compare it with that independent source before you "
    "trust a verdict."
)


@dataclass(frozen=True)
class VerifyPage:
    """The page's ``html``, and the ``csp`` to serve it with (the page carries it too)."""

    html: str
    csp: str

    def to_json(self) -> dict[str, Any]:
        """The page and its policy, as JSON."""
        return {"html": self.html, "csp": self.csp}


def verify_page(prefill_key: str | None = None) -> VerifyPage:
    """The verify page, with ``prefill_key`` (a verifier key or trust list) in the key field."""
    script, style = _script(), _style()
    csp = content_security_policy(script, style)
    values = {
        "csp": html.escape(csp),
        "style": style,
        "script": script,
        "prefill_key": html.escape(prefill_key or ""),
        "key_origin": _KEY_CAME_WITH_PAGE if prefill_key else "",
    }
    return VerifyPage(_PLACEHOLDER.sub(lambda m: values[m.group(1)], _static("verify.html")), csp)


def content_security_policy(script: str, style: str) -> str:
    """The policy that allows exactly this inline script and style, and nothing else."""
    return (f"default-src 'none'; script-src '{_sha256(script)}'; style-src '{_sha256(style)}'; "
            "img-src data:; connect-src 'none'; form-action 'none'; base-uri 'none'")


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode("ascii")


def _script() -> str:
    # Inlined whole: an inline script ends at the first "</script" whatever its context, so
    # these files hold none (a test says so).
    return "\n".join(_static(name) for name in ("python.js", "verify.js", "page.js"))


def _style() -> str:
    return _static("verify.css")


@cache
def _static(name: str) -> str:
    return (resources.files("ledger.web") / "static" / name).read_text(encoding="utf-8")
