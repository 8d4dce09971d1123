"""Bearer credentials: `<kind>_[<dealer>_]<prefix>_<secret>`; only a SHA-256 of the secret is stored.

Secrets are 160 random bits, so a fast hash is enough (as healthchecks does for API keys); the visible
prefix finds the row, and the hash is compared in constant time.
"""

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

LICENSE_KEY = "mbl"
AGENT_TOKEN = "mbt"  # noqa: S105 - a prefix, not a secret
USER_TOKEN = "mbu"  # noqa: S105 - a prefix, not a secret
_DEALER_SCOPED = {LICENSE_KEY, AGENT_TOKEN}
_PATTERN = re.compile(
    r"^(?P<kind>mb[ltu])_(?:(?P<dealer>[a-z][a-z0-9-]{1,30}[a-z0-9])_)?(?P<prefix>[a-z2-7]{8})_(?P<secret>[a-z2-7]{32})$"
)


@dataclass(frozen=True)
class NewCredential:
    text: str  # shown to the user once, never stored
    prefix: str
    secret_hash: str


@dataclass(frozen=True)
class ParsedCredential:
    kind: str
    dealer_code: str | None
    prefix: str
    secret: str


def _random_base32(length: int) -> str:
    raw = secrets.token_bytes(length * 5 // 8 + 1)
    return base64.b32encode(raw).decode().lower().rstrip("=")[:length]


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_credential(kind: str, dealer_code: str | None = None) -> NewCredential:
    if (kind in _DEALER_SCOPED) != bool(dealer_code):
        raise ValueError(f"{kind} credentials name a dealer exactly when they are dealer-scoped")
    prefix, secret = _random_base32(8), _random_base32(32)
    parts = [kind, dealer_code, prefix, secret] if dealer_code else [kind, prefix, secret]
    return NewCredential(text="_".join(parts), prefix=prefix, secret_hash=hash_secret(secret))


def parse_credential(text: str | None, *, kind: str | None = None) -> ParsedCredential | None:
    """The parts of a well-formed credential (of `kind`, if given), or None."""
    match = _PATTERN.match((text or "").strip())
    if not match or (kind and match["kind"] != kind):
        return None
    if (match["kind"] in _DEALER_SCOPED) != bool(match["dealer"]):
        return None
    return ParsedCredential(match["kind"], match["dealer"], match["prefix"], match["secret"])


def secret_matches(secret: str, secret_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), secret_hash)
