"""A signing worker process: ``python -m ledger.signing.sign_worker``.

Reads libsodium's 64-byte secret key first on stdin (never on its command line or in its
environment), then batches until stdin closes: a 4-byte big-endian count, then for each
payload a 4-byte big-endian length and the payload; the answer to a batch is the 64-byte
Ed25519 signature of each payload, in order. Imports nothing but libsodium's binding.
"""

from __future__ import annotations

import sys
from typing import BinaryIO

from ledger.signing.check_worker import HEADER, read_exactly
from ledger.signing.ed25519 import sign

SECRET = 64


def serve(requests: BinaryIO, answers: BinaryIO) -> None:
    """Sign batches until ``requests`` ends."""
    secret = read_exactly(requests, SECRET)
    if secret is None:
        return
    while (header := read_exactly(requests, HEADER)) is not None:
        signatures = []
        for _ in range(int.from_bytes(header, "big")):
            length = read_exactly(requests, HEADER)
            payload = None if length is None else read_exactly(requests,
                                                               int.from_bytes(length, "big"))
            if payload is None:
                return
            signatures.append(sign(secret, payload))
        answers.write(b"".join(signatures))
        answers.flush()


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
