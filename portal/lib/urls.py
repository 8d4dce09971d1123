"""Absolute links, for anything read away from the request that made it: emails, install commands, scripts.

Built from settings, never from the request's Host header: behind nginx (`proxy_set_header Host $host`) the
header has no port, and a task has no request at all. Scheme: PORTAL_SCHEME; host: `<dealer code>.<base domain>`
(the central host for the public schema); port: that of PORTAL_CENTRAL_URL, left out when it is the scheme's own.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection

DEFAULT_PORTS = {"http": 80, "https": 443}


def portal_origin(host: str) -> str:
    """`scheme://host[:port]` as users reach the portal at `host`."""
    port = urlsplit(settings.PORTAL_CENTRAL_URL).port
    shown = f":{port}" if port and port != DEFAULT_PORTS.get(settings.PORTAL_SCHEME) else ""
    return f"{settings.PORTAL_SCHEME}://{host}{shown}"


def dealer_origin(code: str) -> str:
    return portal_origin(f"{code}.{settings.PORTAL_BASE_DOMAIN}")


def absolute_url(path: str = "/", *, dealer=None) -> str:
    """`path` on the host of `dealer` (default: the tenant of this request or task), with scheme and port."""
    tenant = dealer if dealer is not None else connection.tenant
    code = getattr(tenant, "code", "public")
    if getattr(tenant, "schema_name", "public") == "public":
        return settings.PORTAL_CENTRAL_URL.rstrip("/") + path
    return dealer_origin(code) + path
