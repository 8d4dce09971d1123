"""The portal's Ed25519 release key: it signs every agent release; its public half is built into the agent.

The private key is a PEM file (mode 0600) at settings.AGENT_SIGNING_KEY_FILE. Development, tests and the demo
create it on first use (AGENT_SIGNING_KEY_CREATE); production is given one by its operator and refuses to sign
without it. Losing the key means agents in the field take no more updates: they trust only the key they carry.
The key is never logged; `manage.py agent_signing_key show-public` prints the public half.
"""

from __future__ import annotations

import base64
import contextlib
import os
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MISSING_HINT = "create one with `manage.py agent_signing_key create` and keep a copy somewhere safe"


def signing_key_file() -> Path:
    path = getattr(settings, "AGENT_SIGNING_KEY_FILE", "")
    if not path:
        raise ImproperlyConfigured(f"Set AGENT_SIGNING_KEY_FILE to the agent release signing key: {MISSING_HINT}.")
    return Path(path)


def signing_key_create() -> Path:
    """Writes a new key; refuses to replace one (agents in the field trust the old one)."""
    path = signing_key_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd, partial = tempfile.mkstemp(dir=path.parent, prefix=".signing-key-")  # created 0600
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(pem)
        os.link(partial, path)  # fails if the key exists: two first requests keep the first key, whole
    finally:
        os.unlink(partial)
    return path


def signing_key() -> Ed25519PrivateKey:
    path = signing_key_file()
    if not path.exists():
        if not getattr(settings, "AGENT_SIGNING_KEY_CREATE", False):
            raise ImproperlyConfigured(f"The agent release signing key {path} is missing: {MISSING_HINT}.")
        with contextlib.suppress(FileExistsError):  # another process created it meanwhile
            signing_key_create()
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"{path} is not an Ed25519 private key.")
    return key


def public_key_b64() -> str:
    raw = signing_key().public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def sign_b64(message: bytes) -> str:
    return base64.b64encode(signing_key().sign(message)).decode()
