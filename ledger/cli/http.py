"""HTTP for the commands that talk to other servers: ``monitor`` GETs a served log,
``checkpoint --witness`` POSTs to witnesses. Every request has a deadline and a size bound."""

from __future__ import annotations

import urllib.error
import urllib.request

from ledger.errors import NotFound, WitnessUnavailable
from ledger.transparency.monitor import Fetch
from ledger.transparency.witness import Post

TIMEOUT_S = 10.0
MAX_BYTES = 16 * 1024 * 1024
"""No checkpoint, tile or entry bundle is larger (256 entries of at most 64 KiB)."""
MAX_ANSWER_BYTES = 64 * 1024
"""A witness answers a few cosignature lines, or a size."""


def fetcher(url: str) -> Fetch:
    """GET ``url/PATH``; not_found for anything but a 200 answer."""
    base = url.rstrip("/")

    def fetch(path: str) -> bytes:
        try:
            with urllib.request.urlopen(f"{base}/{path}", timeout=TIMEOUT_S) as answer:
                data: bytes = answer.read(MAX_BYTES + 1)
        except (urllib.error.URLError, OSError) as e:
            raise NotFound(f"{base}/{path}: expected the log to serve it, found {e}") from None
        if len(data) > MAX_BYTES:
            raise NotFound(f"{base}/{path}: expected at most {MAX_BYTES} bytes, found more")
        return data

    return fetch


def poster(url: str) -> Post:
    """POST to the witness's ``url/add-checkpoint``: status, content type and body of any
    answer; ``witness_unavailable`` when there is none within :data:`TIMEOUT_S`."""
    target = url.rstrip("/") + "/add-checkpoint"

    def post(body: bytes) -> tuple[int, str, bytes]:
        request = urllib.request.Request(target, data=body, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as answer:
                return answer.status, answer.headers.get_content_type(), \
                    answer.read(MAX_ANSWER_BYTES)
        except urllib.error.HTTPError as answer:
            with answer:
                return answer.code, answer.headers.get_content_type(), \
                    answer.read(MAX_ANSWER_BYTES)
        except (urllib.error.URLError, OSError, ValueError) as e:
            raise WitnessUnavailable(f"witness {url}: expected an answer to add-checkpoint, "
                                     f"found {getattr(e, 'reason', e)}") from None

    return post
