"""A signature-checking worker process: ``python -m ledger.signing.check_worker``.

Reads batches on stdin and answers each on stdout, until stdin closes. A batch is a 4-byte
big-endian count, then for each signature a 32-byte Ed25519 public key, a 64-byte signature,
a 4-byte big-endian payload length and the payload; the answer is one byte per signature, 1
when it verifies and 0 when not. Imports nothing but libsodium's binding, so it starts fast.
"""

from __future__ import annotations

import sys
from typing import BinaryIO

from ledger.signing.ed25519 import verifies

HEADER = 4
KEY = 32
SIGNATURE = 64


def read_exactly(stream: BinaryIO, size: int) -> bytes | None:
    """``size`` bytes, or None at the end of the stream."""
    data = stream.read(size)
    return data if len(data) == size else None


def serve(requests: BinaryIO, answers: BinaryIO) -> None:
    """Answer batches until ``requests`` ends."""
    while (header := read_exactly(requests, HEADER)) is not None:
        count = int.from_bytes(header, "big")
        answer = bytearray(count)
        for index in range(count):
            fixed = read_exactly(requests, KEY + SIGNATURE + HEADER)
            if fixed is None:
                return
            length = int.from_bytes(fixed[KEY + SIGNATURE:], "big")
            payload = read_exactly(requests, length)
            if payload is None:
                return
            answer[index] = verifies(fixed[:KEY], fixed[KEY:KEY + SIGNATURE], payload)
        answers.write(answer)
        answers.flush()


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
