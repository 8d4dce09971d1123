"""Production: refuses to start with the development secret key, without field encryption keys or without
TLS-aware cookies."""

from django.core.exceptions import ImproperlyConfigured

from portal.lib.crypto import GENERATE_HINT, invalid_keys
from portal.settings.base import *  # noqa: F403
from portal.settings.base import DEVELOPMENT_SECRET_KEY, FIELD_ENCRYPTION_KEYS, SECRET_KEY, env, envbool

if SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("Set DJANGO_SECRET_KEY (or DJANGO_SECRET_KEY_FILE) to a random value of 32+ characters.")
# Never derived from the secret key here: rotating that would make every stored SNMP credential unreadable.
if not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "Set FIELD_ENCRYPTION_KEYS (or FIELD_ENCRYPTION_KEYS_FILE) to a Fernet key for SNMP credentials: "
        f"{GENERATE_HINT}. Keep it: credentials stored under it cannot be read without it."
    )
if bad := invalid_keys(FIELD_ENCRYPTION_KEYS):
    raise ImproperlyConfigured(
        f"FIELD_ENCRYPTION_KEYS entry {', '.join(map(str, bad))} is not a Fernet key (32 url-safe base64 bytes): "
        f"{GENERATE_HINT}."
    )

# The agent release key is the operator's (`manage.py agent_signing_key create`, then back it up): never made
# up on a server, where a lost var dir would silently orphan every agent in the field.
AGENT_SIGNING_KEY_FILE = env("AGENT_SIGNING_KEY_FILE")
AGENT_SIGNING_KEY_CREATE = False

DEBUG = False
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", True)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31536000
SECURE_CONTENT_TYPE_NOSNIFF = True
