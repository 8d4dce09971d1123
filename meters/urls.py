from django.urls import path

from meters.views import actions, devices, mapping, read_now
from meters.views import credential_tests as tests

urlpatterns = [
    path("devices/", devices.DeviceListView.as_view(), name="device-list"),
    path("devices/<uuid:public_id>/", devices.DeviceDetailView.as_view(), name="device-detail"),
    path("devices/<uuid:public_id>/raw/", devices.DeviceRawView.as_view(), name="device-raw"),
    path("devices/<uuid:public_id>/meter-mapping/", mapping.DeviceMeterMappingView.as_view(), name="device-mapping"),
    path("devices/<uuid:public_id>/monitored/", actions.DeviceMonitoredView.as_view(), name="device-monitored"),
    path("devices/<uuid:public_id>/read/", read_now.DeviceReadNowView.as_view(), name="device-read-now"),
    path("flags/<uuid:public_id>/decide/", actions.FlagDecisionView.as_view(), name="flag-decide"),
    path("devices/<uuid:public_id>/test/", tests.DeviceTestView.as_view(), name="device-test"),
    path("devices/<uuid:public_id>/test/state/", tests.DeviceTestStateView.as_view(), name="device-test-state"),
    path("credentials/<uuid:public_id>/test/", tests.CredentialTestView.as_view(), name="credential-test"),
]
