from django.urls import path

from meters.views import actions, devices, export, mapping, read_now, reads, site_work
from meters.views import credential_tests as tests

urlpatterns = [
    path("devices/", devices.DeviceListView.as_view(), name="device-list"),
    path("devices/export.csv", export.DeviceExportView.as_view(file_format="csv"), name="device-export-csv"),
    path("devices/export.xlsx", export.DeviceExportView.as_view(file_format="xlsx"), name="device-export-xlsx"),
    path("devices/<uuid:public_id>/", devices.DeviceDetailView.as_view(), name="device-detail"),
    path("devices/<uuid:public_id>/reads/", reads.DeviceReadsView.as_view(), name="device-reads"),
    path("devices/<uuid:public_id>/raw/", devices.DeviceRawView.as_view(), name="device-raw"),
    path("devices/<uuid:public_id>/meter-mapping/", mapping.DeviceMeterMappingView.as_view(), name="device-mapping"),
    path("devices/<uuid:public_id>/monitored/", actions.DeviceMonitoredView.as_view(), name="device-monitored"),
    path("devices/<uuid:public_id>/read/", read_now.DeviceReadNowView.as_view(), name="device-read-now"),
    path("sites/<uuid:public_id>/scan/", site_work.SiteScanNowView.as_view(), name="site-scan"),
    path("flags/<uuid:public_id>/decide/", actions.FlagDecisionView.as_view(), name="flag-decide"),
    path("devices/<uuid:public_id>/test/", tests.DeviceTestView.as_view(), name="device-test"),
    path("devices/<uuid:public_id>/test/state/", tests.DeviceTestStateView.as_view(), name="device-test-state"),
    path("credentials/<uuid:public_id>/test/", tests.CredentialTestView.as_view(), name="credential-test"),
]
