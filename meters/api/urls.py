"""Dealer API v1 routes of the meters app that are not router viewsets (hooked into portal.urls_api)."""

from django.urls import path

from meters.api import credential_tests, site_work
from meters.api.volume import VolumeView

urlpatterns = [
    path("sites/<uuid:public_id>/scan/", site_work.SiteScanView.as_view(), name="site-scan"),
    path("sites/<uuid:public_id>/status/", site_work.SiteStatusView.as_view(), name="site-status"),
    path("sites/<uuid:public_id>/read/", site_work.SiteReadView.as_view(), name="site-read"),
    path("devices/<uuid:public_id>/read/", site_work.DeviceReadView.as_view(), name="device-read"),
    path("volume/", VolumeView.as_view(), name="volume"),
    path("devices/<uuid:public_id>/test/", credential_tests.DeviceTestView.as_view(), name="device-test"),
    path(
        "snmp-credentials/<uuid:public_id>/test/", credential_tests.CredentialTestView.as_view(), name="credential-test"
    ),
]
