"""Ed25519 signature checks, through libsodium (PyNaCl).

Checking signatures bounds the audit, projection catch-up and every read that verifies, and
libsodium checks one in about half the time OpenSSL takes (``bench/signatures.py`` measures
both side by side). Ed25519 signatures are deterministic, so signing, keys and PEM files stay
with ``cryptography``. libsodium is the stricter of the two: besides everything OpenSSL
refuses (an S not below the group order, a signature of the wrong length), it refuses public
keys and R values of small order, which no honest signer produces; so nothing valid is
refused and nothing OpenSSL refuses is accepted.
"""

from __future__ import annotations

from nacl.bindings import crypto_sign_BYTES, crypto_sign_open, crypto_sign_PUBLICKEYBYTES
from nacl.exceptions import CryptoError


def verifies(public_key: bytes, signature: bytes, message: bytes) -> bool:
    """Whether ``signature`` is the Ed25519 signature of ``message`` by ``public_key`` (32 raw
    bytes)."""
    if len(signature) != crypto_sign_BYTES or len(public_key) != crypto_sign_PUBLICKEYBYTES:
        return False
    try:
        crypto_sign_open(signature + message, public_key)
    except CryptoError:
        return False
    return True
