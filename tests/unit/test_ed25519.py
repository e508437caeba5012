"""libsodium's Ed25519 check agrees with OpenSSL's on everything an honest or a careless signer
makes, and is the stricter of the two on the rest."""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.signing.ed25519 import verifies
from ledger.signing.keys import raw_public

# RFC 8032, section 7.1, TEST 2: one-byte message.
RFC_PUBLIC = bytes.fromhex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c")
RFC_MESSAGE = bytes.fromhex("72")
RFC_SIGNATURE = bytes.fromhex(
    "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
    "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00")
# The group order L: an S of L or more is malleable and refused by both libraries.
ORDER = 2**252 + 27742317777372353535851937790883648493


def openssl(public: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
    except InvalidSignature:
        return False
    return True


def test_the_rfc_8032_vector_verifies_and_nothing_else_does() -> None:
    assert verifies(RFC_PUBLIC, RFC_SIGNATURE, RFC_MESSAGE)
    assert not verifies(RFC_PUBLIC, RFC_SIGNATURE, b"\x73")
    assert not verifies(RFC_PUBLIC, RFC_SIGNATURE[:-1], RFC_MESSAGE)
    assert not verifies(RFC_PUBLIC[:-1], RFC_SIGNATURE, RFC_MESSAGE)


def test_a_malleated_signature_with_s_plus_the_group_order_is_refused_by_both() -> None:
    s = int.from_bytes(RFC_SIGNATURE[32:], "little") + ORDER
    malleated = RFC_SIGNATURE[:32] + s.to_bytes(32, "little")
    assert not verifies(RFC_PUBLIC, malleated, RFC_MESSAGE)
    assert not openssl(RFC_PUBLIC, malleated, RFC_MESSAGE)


def test_a_small_order_public_key_is_refused() -> None:
    identity = (1).to_bytes(32, "little")  # the neutral point: every "signature" by it is forged
    forged = identity + bytes(32)  # R = identity, S = 0 satisfies the equation for any message
    assert not verifies(identity, forged, b"any message")


@settings(max_examples=200)
@given(seed=st.binary(min_size=32, max_size=32), message=st.binary(max_size=600),
       flip=st.integers(min_value=0, max_value=64 * 8 - 1))
def test_both_libraries_agree_on_signatures_and_on_any_one_bit_changed(
    seed: bytes, message: bytes, flip: int,
) -> None:
    key = Ed25519PrivateKey.from_private_bytes(seed)
    public, signature = raw_public(key.public_key()), key.sign(message)
    assert verifies(public, signature, message) and openssl(public, signature, message)
    changed = bytearray(signature)
    changed[flip // 8] ^= 1 << (flip % 8)
    assert verifies(public, bytes(changed), message) == openssl(public, bytes(changed), message)
    assert not verifies(public, bytes(changed), message)
