"""Ed25519 signatures and their checks, through libsodium (PyNaCl).

Checking signatures bounds the audit, projection catch-up and every read that verifies, and
libsodium checks one in about half the time OpenSSL takes, and signs in about 0.7 of it
(``bench/signatures.py`` measures both side by side). Ed25519 signatures are deterministic,
so libsodium's are byte for byte OpenSSL's; keys and PEM files stay with ``cryptography``.
libsodium is the stricter checker of the two: besides everything OpenSSL refuses (an S not
below the group order, a signature of the wrong length), it refuses public keys and R values
of small order, which no honest signer produces; so nothing valid is refused and nothing
OpenSSL refuses is accepted.
"""

from __future__ import annotations

from nacl.bindings import (
    crypto_sign,
    crypto_sign_BYTES,
    crypto_sign_open,
    crypto_sign_PUBLICKEYBYTES,
    crypto_sign_seed_keypair,
)
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


def secret_key(seed: bytes) -> bytes:
    """libsodium's 64-byte secret key for a 32-byte Ed25519 private key (its seed)."""
    return crypto_sign_seed_keypair(seed)[1]


def sign(secret: bytes, message: bytes) -> bytes:
    """The Ed25519 signature of ``message`` with libsodium's ``secret`` key."""
    return crypto_sign(message, secret)[:crypto_sign_BYTES]
