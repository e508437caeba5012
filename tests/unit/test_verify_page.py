"""The verify page as a file: self-contained, its policy allowing exactly its own script and
style, and the operator's key in it only as escaped text."""

from __future__ import annotations

import base64
import hashlib
import html
import re
from importlib import resources

import pytest

from ledger.web.verify_page import verify_page

STATIC = resources.files("ledger.web") / "static"


def inline(page_html: str, tag: str) -> list[str]:
    return re.findall(rf"<{tag}>(.*?)</{tag}>", page_html, flags=re.DOTALL)


def sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def test_the_policy_allows_exactly_the_inline_script_and_style_by_hash() -> None:
    page = verify_page()
    [script], [style] = inline(page.html, "script"), inline(page.html, "style")
    assert page.csp == (
        f"default-src 'none'; script-src '{sha256(script)}'; style-src '{sha256(style)}'; "
        "img-src data:; connect-src 'none'; form-action 'none'; base-uri 'none'")


def test_the_page_carries_its_policy_so_a_saved_copy_enforces_it() -> None:
    page = verify_page()
    meta = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page.html)
    assert meta is not None and html.unescape(meta.group(1)) == page.csp
    assert page.html.index("Content-Security-Policy") < page.html.index("<style>")


def test_the_page_loads_nothing_from_anywhere() -> None:
    page_html = verify_page().html
    assert re.findall(r"\b(?:src|href|action|srcset)\s*=", page_html) == ['href=']
    assert '<link rel="icon" href="data:,">' in page_html
    assert not re.search(r"https?://", page_html)


@pytest.mark.parametrize(("name", "closing"), [("python.js", "</script"),
                                                ("verify.js", "</script"),
                                                ("page.js", "</script"),
                                                ("verify.css", "</style")])
def test_the_inlined_files_cannot_end_their_element_early(name: str, closing: str) -> None:
    assert closing not in (STATIC / name).read_text(encoding="utf-8").lower()


def test_a_served_key_is_escaped_text_and_leaves_the_script_and_its_hash_alone() -> None:
    hostile = 'carbon-ledger+12345678+AQ</textarea><script>alert(1)</script>"&'
    plain, served = verify_page(), verify_page(prefill_key=hostile)
    assert served.csp == plain.csp
    assert inline(served.html, "script") == inline(plain.html, "script")
    assert html.escape(hostile) in served.html
    assert "<script>alert(1)" not in served.html
    assert "came with this page" in served.html and "came with this page" not in plain.html
