"""Ed25519 on this machine: signing with OpenSSL (``cryptography``), and checking with OpenSSL
and with libsodium (PyNaCl, what the ledger uses: ``ledger/signing/ed25519.py``), side by side.

A signed event's payload is a few hundred bytes; each run signs and checks ``--iterations``
such messages with each library, the libraries interleaved run by run so a noisy neighbour
weighs on both alike. Prints the median microseconds per call and libsodium's time as a
fraction of OpenSSL's. Never pass/fail: it prints figures.

    python bench/signatures.py [--iterations 20000] [--runs 5] [--bytes 400]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bench.common import median, print_table, write_json
from ledger.signing.ed25519 import verifies
from ledger.signing.keys import raw_public


def per_call_us(action: Callable[[], object], iterations: int) -> float:
    started = time.perf_counter()
    for _ in range(iterations):
        action()
    return (time.perf_counter() - started) / iterations * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--bytes", type=int, default=400)
    args = parser.parse_args()
    key = Ed25519PrivateKey.generate()
    public, raw = key.public_key(), raw_public(key.public_key())
    message = os.urandom(args.bytes)
    signature = key.sign(message)

    def openssl_verify() -> None:
        try:
            public.verify(signature, message)
        except InvalidSignature:
            raise SystemExit("OpenSSL refused a valid signature") from None

    def libsodium_verify() -> None:
        if not verifies(raw, signature, message):
            raise SystemExit("libsodium refused a valid signature")

    actions = {"sign, OpenSSL": lambda: key.sign(message), "verify, OpenSSL": openssl_verify,
               "verify, libsodium": libsodium_verify}
    times: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(args.runs):
        for name, action in actions.items():
            times[name].append(per_call_us(action, args.iterations))
    medians = {name: median(values) for name, values in times.items()}
    ratio = medians["verify, libsodium"] / medians["verify, OpenSSL"]
    print(f"{args.runs} runs of {args.iterations:,} calls, {args.bytes}-byte message; medians")
    print_table(["call", "us per call"], [[n, f"{us:.1f}"] for n, us in medians.items()])
    print(f"libsodium verifies in {ratio:.2f} of OpenSSL's time ({1 / ratio:.2f}x as fast)")
    body = {"iterations": args.iterations, "runs": args.runs, "bytes": args.bytes,
            "us_per_call": medians, "runs_us": times, "libsodium_to_openssl": ratio}
    print(f"figures in {write_json('signatures', body)}")


if __name__ == "__main__":
    main()
