"""Licence keys: shown once, stored as a hash with a visible prefix, revocable."""

from django.db import connection
from django.utils import timezone

from agents.errors import CredentialRejected
from agents.models import LicenseKey, Site
from portal.lib.credentials import LICENSE_KEY, new_credential, parse_credential, secret_matches

KEY_REJECTED = (
    "This licence key is not valid for this dealer. Check it was copied whole, or ask the dealer for a new one."
)


def current_dealer_code() -> str:
    return connection.tenant.code


def license_key_generate(*, site: Site, created_by=None, label: str = "", via: str = "portal", expires_at=None):
    """Returns (row, key text). The text is the only copy: it is not stored."""
    credential = new_credential(LICENSE_KEY, current_dealer_code())
    key = LicenseKey.objects.create(
        site=site,
        label=label,
        prefix=credential.prefix,
        secret_hash=credential.secret_hash,
        created_by=created_by,
        created_via=via,
        expires_at=expires_at,
    )
    return key, credential.text


def license_key_revoke(*, key: LicenseKey) -> LicenseKey:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return key


def license_key_authenticate(*, text: str) -> LicenseKey:
    """The active key for `text` in the current dealer's schema; records its use."""
    parsed = parse_credential(text, kind=LICENSE_KEY)
    if parsed is None or parsed.dealer_code != current_dealer_code():
        raise CredentialRejected(KEY_REJECTED, code="license_key_invalid")
    key = LicenseKey.objects.select_related("site", "site__customer").filter(prefix=parsed.prefix).first()
    if key is None or not secret_matches(parsed.secret, key.secret_hash):
        raise CredentialRejected(KEY_REJECTED, code="license_key_invalid")
    if key.state == "revoked":
        raise CredentialRejected("This licence key was revoked by the dealer. Ask them for a new one.", code="revoked")
    if key.state == "expired":
        raise CredentialRejected("This licence key has expired. Ask the dealer for a new one.", code="expired")
    if key.site.archived_at:
        raise CredentialRejected("The site of this licence key is closed. Ask the dealer.", code="site_archived")
    key.last_used_at = timezone.now()
    key.save(update_fields=["last_used_at"])
    return key
