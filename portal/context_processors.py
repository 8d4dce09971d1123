from django.conf import settings
from django.db import connection


def portal(request):
    tenant = getattr(request, "tenant", None) or getattr(connection, "tenant", None)
    is_dealer = tenant is not None and getattr(tenant, "schema_name", "public") != "public"
    return {
        "dealer": tenant if is_dealer else None,
        "base_domain": settings.PORTAL_BASE_DOMAIN,
        "central_url": settings.PORTAL_CENTRAL_URL,
    }
