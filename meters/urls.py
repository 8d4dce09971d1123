from django.urls import path

from meters.views import actions, devices, mapping

urlpatterns = [
    path("devices/", devices.DeviceListView.as_view(), name="device-list"),
    path("devices/<uuid:public_id>/", devices.DeviceDetailView.as_view(), name="device-detail"),
    path("devices/<uuid:public_id>/raw/", devices.DeviceRawView.as_view(), name="device-raw"),
    path("devices/<uuid:public_id>/meter-mapping/", mapping.DeviceMeterMappingView.as_view(), name="device-mapping"),
    path("devices/<uuid:public_id>/monitored/", actions.DeviceMonitoredView.as_view(), name="device-monitored"),
    path("flags/<uuid:public_id>/decide/", actions.FlagDecisionView.as_view(), name="flag-decide"),
]
