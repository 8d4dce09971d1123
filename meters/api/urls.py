"""Dealer API v1 routes of the meters app that are not router viewsets (hooked into portal.urls_api)."""

from django.urls import path

from meters.api import site_work
from meters.api.volume import VolumeView

urlpatterns = [
    path("sites/<uuid:public_id>/scan/", site_work.SiteScanView.as_view(), name="site-scan"),
    path("sites/<uuid:public_id>/status/", site_work.SiteStatusView.as_view(), name="site-status"),
    path("sites/<uuid:public_id>/read/", site_work.SiteReadView.as_view(), name="site-read"),
    path("volume/", VolumeView.as_view(), name="volume"),
]
