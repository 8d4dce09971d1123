"""URLs on a dealer's own host (<code>.<base domain>): the dealer's pages and the dealer API."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from meters.views.overview import OverviewView
from portal import health, views

urlpatterns = [
    path("", OverviewView.as_view(), name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("accounts/", include("portal.accounts.urls")),
    path("", include("agents.urls")),
    path("", include("reports.urls")),
    path("", include("meters.urls")),
    path("api/v1/", include(("portal.urls_api", "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(urlconf="portal.urls_dealer"), name="schema"),
    # Split: the page's script comes from its own URL, not inline (the CSP runs no inline script).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    # Answered by portal.health.ProbeMiddleware before tenant routing; listed here so reverse() knows them.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]

# API clients get the JSON error body even where no URL matched (an agent reads `code`).
handler404 = "portal.lib.api_errors.not_found"
