"""Picks the schema from the host: `<dealer>.<base domain>` is a dealer, anything else the central host."""

from django.conf import settings
from django.db import connection
from django.http import Http404
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.postgresql_backend.base import FakeTenant


class DealerHostMiddleware(TenantMainMiddleware):
    def no_tenant_found(self, request, hostname):
        base = settings.PORTAL_BASE_DOMAIN
        if hostname.endswith("." + base):
            # An unknown dealer host must not fall through to the central site: that would leak its admin.
            raise Http404(f"No dealer at {hostname}")
        request.tenant = FakeTenant(schema_name=connection.schema_name)
        self.setup_url_routing(request=request, force_public=True)
