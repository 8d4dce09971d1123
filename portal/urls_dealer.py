"""URLs on a dealer's own host (<code>.<base domain>): the dealer's pages and the dealer API."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from portal import views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("accounts/", include("portal.accounts.urls")),
    path("", include("agents.urls")),
    path("", include("reports.urls")),
    path("", include("meters.urls")),
    path("api/v1/", include(("portal.urls_api", "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(urlconf="portal.urls_dealer"), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("healthz", views.healthz, name="healthz"),
]
