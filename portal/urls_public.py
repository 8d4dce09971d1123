"""URLs on the central host: operators' admin, and the agent API every dealer's agents call."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from portal import health, views

admin.site.site_header = "Meterbridge operators"
admin.site.site_title = "Meterbridge operators"

urlpatterns = [
    path("", views.CentralHomeView.as_view(), name="central-home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("agent/v1/", include("agents.agent_api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(urlconf="portal.urls_public"), name="schema"),
    # Split: the page's script comes from its own URL, not inline (the CSP runs no inline script).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    # Answered by portal.health.ProbeMiddleware before tenant routing; listed here so reverse() knows them.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]

# API clients get the JSON error body even where no URL matched (an agent reads `code`).
handler404 = "portal.lib.api_errors.not_found"
