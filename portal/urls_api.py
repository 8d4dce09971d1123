"""The dealer REST API, v1: one router over every app's viewsets, then the apps' plain API views."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from agents.api import views as agent_views
from meters.api import mappings as meter_mappings
from meters.api import views as meter_views

router = DefaultRouter()
router.register("customers", agent_views.CustomerViewSet, basename="customer")
router.register("sites", agent_views.SiteViewSet, basename="site")
router.register("license-keys", agent_views.LicenseKeyViewSet, basename="license-key")
router.register("agents", agent_views.AgentViewSet, basename="agent")
router.register("directives", agent_views.DirectiveViewSet, basename="directive")
router.register("snmp-credentials", agent_views.SnmpCredentialViewSet, basename="snmp-credential")
router.register("devices", meter_views.DeviceViewSet, basename="device")
router.register("meter-flags", meter_views.MeterFlagViewSet, basename="meter-flag")

urlpatterns = [
    *router.urls,
    path("meter-mappings/", meter_mappings.MeterMappingView.as_view(), name="meter-mappings"),
    path("", include("meters.api.urls")),
    path("", include("reports.api.urls")),
]
