"""The agent's Ed25519 check: RFC 8032's test vectors and signatures made by the portal's library (cryptography),
through the pure-Python path a zipapp uses on a host without cryptography, and through the dispatching verify()."""

from __future__ import annotations

import sys

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from agent_client.update import ed25519
from agent_client.update.updater import release_message

# RFC 8032 section 7.1: (public key, message, signature); TEST 1, 2, 3 and TEST SHA(abc).
RFC_8032 = [
    (
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
        "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
        "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
    (
        "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
        "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b589"
        "09351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704",
    ),
]


@pytest.mark.parametrize(("public", "message", "signature"), RFC_8032, ids=["test1", "test2", "test3", "sha_abc"])
def test_pure_python_accepts_rfc_8032_vectors_and_refuses_them_altered(public, message, signature):
    public, message, signature = bytes.fromhex(public), bytes.fromhex(message), bytes.fromhex(signature)
    assert ed25519.verify_pure(public, message, signature)
    assert not ed25519.verify_pure(public, message + b"x", signature)
    assert not ed25519.verify_pure(public, message, signature[:-1] + bytes([signature[-1] ^ 1]))


def keypair() -> tuple[Ed25519PrivateKey, bytes]:
    key = Ed25519PrivateKey.generate()
    return key, key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@pytest.fixture(params=["pure", "dispatch"])
def check(request):
    return ed25519.verify_pure if request.param == "pure" else ed25519.verify


def test_a_release_signed_by_the_portals_library_is_accepted(check):
    key, public = keypair()
    message = release_message("1.2.3", "ab" * 32)
    assert check(public, message, key.sign(message))


def test_a_tampered_message_signature_or_key_is_refused(check):
    key, public = keypair()
    _other, other_public = keypair()
    message = release_message("1.2.3", "ab" * 32)
    signature = key.sign(message)
    assert not check(public, release_message("1.2.4", "ab" * 32), signature)  # another version
    assert not check(public, message, bytes([signature[0] ^ 0x40]) + signature[1:])  # R altered
    assert not check(public, message, signature[:40] + bytes([signature[40] ^ 1]) + signature[41:])  # S altered
    assert not check(other_public, message, signature)  # another key
    assert not check(public, message, b"")  # no signature at all
    assert not check(b"\x00" * 31, message, signature)  # not a key


def test_a_signature_whose_s_is_not_reduced_is_refused():
    """S + L is the same point arithmetic but not canonical: RFC 8032 says reject (malleability)."""
    key, public = keypair()
    message = b"meterbridge"
    signature = key.sign(message)
    s = int.from_bytes(signature[32:], "little") + ed25519.L
    assert not ed25519.verify_pure(public, message, signature[:32] + s.to_bytes(32, "little"))


def test_without_cryptography_the_pure_python_path_decides(monkeypatch):
    """As on a customer's Python with no cryptography wheel: the import fails and verify() still answers."""
    monkeypatch.setitem(sys.modules, "cryptography.hazmat.primitives.asymmetric.ed25519", None)
    key, public = keypair()
    message = release_message("2.0.0", "cd" * 32)
    assert ed25519.verify(public, message, key.sign(message))
    assert not ed25519.verify(public, message + b"!", key.sign(message))
