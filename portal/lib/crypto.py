"""Encryption at rest for secrets the portal must hand back out (SNMP communities, v3 keys).

`FIELD_ENCRYPTION_KEYS` lists Fernet keys: the first encrypts, every one decrypts, so a new key goes first and
the old one stays listed until `manage.py rotate_field_keys` has re-encrypted everything under the new one.
Without the setting (development and tests only: production refuses to start), the key is derived from
SECRET_KEY, which is why production must not rely on it: rotating the secret key would lose every credential.
"""

import base64
import binascii
import enum
import hashlib
from collections.abc import Iterable
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

GENERATE_HINT = (
    'generate one with `python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`'
)


class Reencrypted(enum.Enum):
    CURRENT = "already under the first key"
    ROTATED = "re-encrypted with the first key"
    UNREADABLE = "no configured key decrypts it"


def derived_key(secret_key: str) -> str:
    """The key earlier portals derived from SECRET_KEY; kept for development and for upgrading old installs."""
    digest = hashlib.sha256(("meterbridge-field-key:" + secret_key).encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def invalid_keys(keys: Iterable[str]) -> list[int]:
    """1-based positions of entries that are not Fernet keys (32 url-safe base64-encoded bytes)."""
    bad = []
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, binascii.Error):
            bad.append(position)
    return bad


def field_keys() -> tuple[str, ...]:
    return tuple(settings.FIELD_ENCRYPTION_KEYS) or (derived_key(settings.SECRET_KEY),)


@lru_cache(maxsize=8)  # keyed by the key list, so a changed setting (tests, rotation) is never served stale
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def encrypt_text(plain: str) -> str:
    return _fernet(field_keys()).encrypt(plain.encode()).decode() if plain else ""


def decrypt_text(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet(field_keys()).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("stored secret cannot be decrypted with the configured FIELD_ENCRYPTION_KEYS") from exc


def reencrypt_text(token: str, *, extra_keys: tuple[str, ...] = ()) -> tuple[str, Reencrypted]:
    """`token` under the first configured key; `extra_keys` only decrypt (e.g. the old derived key)."""
    keys = field_keys()
    if not token:
        return token, Reencrypted.CURRENT
    try:
        _fernet(keys[:1]).decrypt(token.encode())
        return token, Reencrypted.CURRENT  # left as it is: a second run changes nothing
    except InvalidToken:
        pass
    try:
        return _fernet(keys + extra_keys).rotate(token.encode()).decode(), Reencrypted.ROTATED
    except InvalidToken:
        return token, Reencrypted.UNREADABLE
