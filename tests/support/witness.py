"""A C2SP tlog-witness for tests (https://c2sp.org/tlog-witness): a test double, not a
witness to deploy — it keeps its state in memory.

Written from the spec, independently of the ledger's code (its own note parsing, its own RFC
9162 consistency check, signatures with ``cryptography`` directly), so that the ledger's client
and cosignature verification are tested against a second reading of the spec. It serves
``POST /add-checkpoint`` on 127.0.0.1 from a thread and answers in the spec's order: 404
unknown origin, 403 no trusted log signature, 400 old size beyond the checkpoint, 409 (with
``text/x.tlog.size``) old size not the one it last cosigned, 422 proof does not verify, 409 same
size but another root, else 200 with one cosignature/v1 line. Check and update are atomic.
"""

from __future__ import annotations

import base64
import hashlib
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

DASH = "\u2014 "


def _key_id(name: str, kind: int, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([kind]) + public).digest()[:4]


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def consistent(old: int, new: int, proof: list[bytes], old_root: bytes, new_root: bytes
               ) -> bool:
    """RFC 9162 §2.1.4.2, step by step."""
    if old == new:
        return not proof and old_root == new_root
    if old == 0 or old > new or not proof:
        return False
    if old & (old - 1) == 0:  # a power of two: the old root is the first node
        proof = [old_root, *proof]
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = _node(c, fr), _node(c, sr)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = _node(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root


@dataclass
class SpecWitness:
    """The witness: its name and key, the logs it follows (origin -> log vkeys), what it last
    cosigned per origin, and every answer it gave (status, for tests to read)."""

    name: str = "witness.test/w1"
    logs: dict[str, list[str]] = field(default_factory=dict)
    key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    latest: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    answers: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    @property
    def vkey(self) -> str:
        public = self.key.public_key().public_bytes_raw()
        key_id = _key_id(self.name, 0x04, public)
        encoded = base64.b64encode(bytes([0x04]) + public).decode()
        return f"{self.name}+{key_id.hex()}+{encoded}"

    def follow(self, origin: str, log_vkey: str) -> None:
        self.logs.setdefault(origin, []).append(log_vkey)

    def add_checkpoint(self, body: bytes) -> tuple[int, str, bytes]:
        """The spec's checks, in its order; status, content type and answer."""
        try:
            text = body.decode()
            head, _, note = text.partition("\n\n")
            lines = head.split("\n")
            if not lines[0].startswith("old "):
                raise ValueError("no old size line")
            old = int(lines[0][4:])
            proof = [base64.b64decode(line, validate=True) for line in lines[1:]]
            if len(proof) > 63 or any(len(h) != 32 for h in proof):
                raise ValueError("bad proof lines")
            split = note.rindex("\n\n")
            checkpoint, signatures = note[:split + 1], note[split + 2:].splitlines()
            origin, size_text, root_text = checkpoint.split("\n")[:3]
            size, root = int(size_text), base64.b64decode(root_text, validate=True)
        except (ValueError, UnicodeDecodeError):
            return 400, "text/plain", b"malformed request\n"
        if origin not in self.logs:
            return 404, "text/plain", b"unknown origin\n"
        if not any(self._signed_by_log(checkpoint, line, vkey)
                   for line in signatures for vkey in self.logs[origin]):
            return 403, "text/plain", b"no signature by a known log key\n"
        if old > size:
            return 400, "text/plain", b"old size beyond the checkpoint\n"
        with self.lock:
            known_size, known_root = self.latest.get(origin, (0, b""))
            if old != known_size:
                return 409, "text/x.tlog.size", f"{known_size}\n".encode()
            if old == size:
                if root != known_root:
                    return 409, "text/plain", b"another root at the same size\n"
            elif old and not consistent(old, size, proof, known_root, root):
                return 422, "text/plain", b"consistency proof does not verify\n"
            elif not old and proof:
                return 422, "text/plain", b"a proof from size 0 must be empty\n"
            self.latest[origin] = (size, root)
            return 200, "text/plain", self.cosign(checkpoint).encode()

    def cosign(self, checkpoint: str, timestamp: int | None = None) -> str:
        timestamp = int(time.time()) if timestamp is None else timestamp
        message = f"cosignature/v1\ntime {timestamp}\n{checkpoint}".encode()
        public = self.key.public_key().public_bytes_raw()
        blob = _key_id(self.name, 0x04, public) + struct.pack(">Q", timestamp) \
            + self.key.sign(message)
        return f"{DASH}{self.name} {base64.b64encode(blob).decode()}\n"

    @staticmethod
    def _signed_by_log(checkpoint: str, line: str, vkey: str) -> bool:
        name, key_id_hex, key_text = vkey.split("+", 2)
        key = base64.b64decode(key_text)
        if not line.startswith(f"{DASH}{name} "):
            return False
        blob = base64.b64decode(line.split(" ")[-1])
        if blob[:4].hex() != key_id_hex or key[0] != 0x01:
            return False
        try:
            Ed25519PublicKey.from_public_bytes(key[1:]).verify(blob[4:], checkpoint.encode())
        except InvalidSignature:
            return False
        return True


@contextmanager
def serving(witness: SpecWitness) -> Iterator[SpecWitness]:
    """The witness over HTTP on 127.0.0.1 (a free port) until the block ends."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            if self.path != "/add-checkpoint":
                self.send_error(404)
                return
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status, content_type, answer = witness.add_checkpoint(body)
            witness.answers.append(status)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    witness.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield witness
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
