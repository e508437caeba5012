"""Asking a witness to cosign a checkpoint (https://c2sp.org/tlog-witness, ``add-checkpoint``).

The log sends ``old <size>``, the RFC 9162 consistency proof from that size (one base64 hash a
line), a blank line and its signed checkpoint; the witness answers cosignature lines (200), or
the size it last cosigned (409, ``text/x.tlog.size``) and the log tries again from that size.

What the answers mean here, beyond the protocol:

- a witness that has cosigned a larger tree, or another root at some size (409), or that
  cannot verify the proof from what it cosigned (422), holds evidence that the log went back
  in time or forked: ``log_rolled_back``, naming the witness and both sizes;
- unknown origin (404), untrusted log key (403), a malformed request (400):
  ``witness_refused`` — the witness must be configured for this log;
- no answer within the deadline, another status, or no cosignature by a witness key we trust:
  ``witness_unavailable``.

Pure: the caller gives the function that POSTs (:data:`Post`) and the one that proves
consistency from a size (:data:`Prove`).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence

from ledger.errors import CheckpointInvalid, LogRolledBack, WitnessRefused, WitnessUnavailable
from ledger.transparency.checkpoint import Checkpoint, parse_uint64
from ledger.transparency.cosignature import Witness, cosignatures
from ledger.transparency.note import split_note

Post = Callable[[bytes], tuple[int, str, bytes]]
"""POSTs a body to the witness's ``add-checkpoint``; its status, content type and body."""
Prove = Callable[[int], list[bytes]]
"""The consistency proof from a tree size to the checkpoint's."""

MAX_PROOF_LINES = 63
SIZE_TYPE = "text/x.tlog.size"
ATTEMPTS = 3
"""Requests per witness: a first guess of its size, then the size it says, then once more for
a witness that moved on in between."""


def request_body(old_size: int, proof: Sequence[bytes], note: str) -> bytes:
    """The ``add-checkpoint`` request: old size line, proof lines, blank line, checkpoint."""
    if len(proof) > MAX_PROOF_LINES:
        raise ValueError(f"expected at most {MAX_PROOF_LINES} proof hashes, found {len(proof)}")
    lines = [f"old {old_size}", *(base64.b64encode(h).decode("ascii") for h in proof)]
    return ("".join(f"{line}\n" for line in lines) + "\n" + note).encode()


def ask(where: str, post: Post, note: str, checkpoint: Checkpoint, prove: Prove,
        guess: int, trusted: Sequence[Witness]) -> list[str]:
    """The cosignature lines by ``trusted`` witnesses that the witness at ``where`` gives the
    signed ``note`` of ``checkpoint``, starting from ``guess`` as the size it last cosigned."""
    old = min(guess, checkpoint.size)
    for _ in range(ATTEMPTS):
        body = request_body(old, prove(old) if old else [], note)
        status, content_type, answer = post(body)
        if status == 200:
            return _trusted_lines(where, note, answer, trusted)
        if status == 409 and content_type.split(";")[0].strip() == SIZE_TYPE:
            size = _size(where, answer)
            if size > checkpoint.size:
                raise LogRolledBack(
                    f"witness {where} has cosigned tree size {size} of {checkpoint.origin}, "
                    f"larger than this checkpoint's {checkpoint.size}: the log went back in time")
            if size != old:
                old = size
                continue
        if status == 409:
            raise LogRolledBack(
                f"witness {where} has cosigned another root at tree size {old} of "
                f"{checkpoint.origin}: the log was rewritten")
        if status == 422:
            raise LogRolledBack(
                f"witness {where} finds that tree size {checkpoint.size} does not extend tree "
                f"size {old} it cosigned: the log was rewritten")
        if status in (400, 403, 404):
            why = {400: "found the request malformed",
                   403: "does not trust the operator's key",
                   404: f"does not know the log {checkpoint.origin!r}"}[status]
            raise WitnessRefused(f"witness {where} {why} (HTTP {status}: "
                                 f"{_shown(answer)})")
        raise WitnessUnavailable(f"witness {where}: expected HTTP 200 with cosignatures, found "
                                 f"HTTP {status} ({_shown(answer)})")
    raise WitnessUnavailable(f"witness {where}: its cosigned size kept changing over "
                             f"{ATTEMPTS} requests")


def _size(where: str, answer: bytes) -> int:
    try:
        text = answer.decode("ascii")
        if not text.endswith("\n"):
            raise ValueError("no newline")
        return parse_uint64(text[:-1])
    except (UnicodeDecodeError, ValueError):
        raise WitnessUnavailable(f"witness {where}: expected its tree size and a newline, "
                                 f"found {_shown(answer)}") from None


def _trusted_lines(where: str, note: str, answer: bytes, trusted: Sequence[Witness]
                   ) -> list[str]:
    """The answer's signature lines that verify as cosignatures by a trusted witness."""
    try:
        body = split_note(note)[0]
        lines = answer.decode("utf-8").splitlines()
        kept = [line for line in lines if cosignatures(f"{body}\n{line}\n", trusted)]
    except (UnicodeDecodeError, CheckpointInvalid) as e:
        reason = e.message if isinstance(e, CheckpointInvalid) else "not UTF-8"
        raise WitnessUnavailable(f"witness {where}: expected cosignature lines, found "
                                 f"{_shown(answer)} ({reason})") from None
    if not kept:
        names = ", ".join(w.name for w in trusted) or "none given"
        raise WitnessUnavailable(
            f"witness {where}: expected a cosignature by a trusted witness key ({names}), "
            f"found {len(lines)} lines by other keys")
    return kept


def _shown(answer: bytes) -> str:
    text = answer[:200].decode("utf-8", errors="replace").strip()
    return repr(text) if text else "an empty body"
