"""Staff accounts and their personal API tokens."""

import hashlib

from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from portal.accounts.models import ApiToken, Role, User
from portal.lib.credentials import USER_TOKEN, new_credential, parse_credential, secret_matches


def user_create(*, email: str, password: str | None, role: str = Role.VIEWER, full_name: str = "") -> User:
    if password:
        validate_password(password, user=User(email=email, full_name=full_name))
    return User.objects.create_user(email=email, password=password, role=role, full_name=full_name)


RESET_EMAILS_PER_HOUR = 3


def password_reset_allowed(*, email: str) -> bool:
    """At most RESET_EMAILS_PER_HOUR reset emails an hour to one address: the form is open to anyone, and must
    not become a way to flood a colleague's mailbox. Counted in the cache, per dealer, whether or not the
    address is a user's (the answer must not tell)."""
    digest = hashlib.sha256(f"{connection.schema_name}:{email.strip().lower()}".encode()).hexdigest()[:32]
    key = f"password-reset:{digest}"
    cache.add(key, 0, timeout=3600)
    try:
        return cache.incr(key) <= RESET_EMAILS_PER_HOUR
    except ValueError:  # expired between add and incr, or the cache is away: fail open, as the throttles do
        return True


def user_update(*, user: User, role: str | None = None, full_name: str | None = None, is_active=None) -> User:
    if role is not None:
        user.role = role
    if full_name is not None:
        user.full_name = full_name
    if is_active is not None:
        user.is_active = is_active
    user.save()
    return user


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    credential = new_credential(USER_TOKEN)
    token = ApiToken.objects.create(user=user, name=name, prefix=credential.prefix, secret_hash=credential.secret_hash)
    return token, credential.text


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(*, text: str) -> User | None:
    parsed = parse_credential(text, kind=USER_TOKEN)
    if parsed is None:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=parsed.prefix, revoked_at__isnull=True).first()
    if token is None or not secret_matches(parsed.secret, token.secret_hash) or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user
