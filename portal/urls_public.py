"""URLs on the central host: operators' admin, and the agent API every dealer's agents call."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from portal import views

admin.site.site_header = "Meterbridge operators"
admin.site.site_title = "Meterbridge operators"

urlpatterns = [
    path("", views.CentralHomeView.as_view(), name="central-home"),
    path("admin/", admin.site.urls),
    path("agent/v1/", include("agents.agent_api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(urlconf="portal.urls_public"), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("healthz", views.healthz, name="healthz"),
]
