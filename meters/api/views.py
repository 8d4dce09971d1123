"""Dealer API v1 for the fleet: devices, their meters, supplies, alerts and flagged reads."""

from django.db.models import Prefetch
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from meters.api import serializers as s
from meters.filtersets import DeviceFilterSet
from meters.models import Device, MeterFlag, MeterRead
from meters.services.devices import device_set_monitored
from meters.services.reads import flag_accept, flag_dismiss


class DeviceViewSet(mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Devices with their latest meters and supplies. PATCH `is_monitored` to choose what is read and reported."""

    serializer_class = s.DeviceSerializer
    lookup_field = "public_id"
    filter_backends = [DjangoFilterBackend]
    filterset_class = DeviceFilterSet
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        latest = MeterRead.objects.filter(is_flagged=False).order_by("-read_at")
        return (
            Device.objects.select_related("site__customer")
            .prefetch_related("supplies", Prefetch("reads", queryset=latest[:1], to_attr="latest_reads"))
            .order_by("site__customer__name", "model", "serial")
        )

    def perform_update(self, serializer):
        serializer.instance = device_set_monitored(
            device=serializer.instance, monitored=serializer.validated_data.get("is_monitored", True)
        )

    @extend_schema(responses=s.MeterReadSerializer(many=True))
    @action(detail=True)
    def meters(self, request, public_id=None):
        """Meter history, newest first (paginated)."""
        reads = self.get_object().reads.order_by("-read_at")
        page = self.paginate_queryset(reads)
        return self.get_paginated_response(s.MeterReadSerializer(page, many=True).data)

    @extend_schema(responses=s.AlertSerializer(many=True))
    @action(detail=True)
    def alerts(self, request, public_id=None):
        """Open and cleared alerts, newest first (paginated)."""
        page = self.paginate_queryset(self.get_object().alerts.order_by("-first_seen_at"))
        return self.get_paginated_response(s.AlertSerializer(page, many=True).data)


class MeterFlagViewSet(viewsets.ReadOnlyModelViewSet):
    """Reads held back from reports: counters that went backwards or jumped."""

    serializer_class = s.MeterFlagSerializer
    lookup_field = "public_id"

    def get_queryset(self):
        flags = MeterFlag.objects.select_related("device", "read")
        state = self.request.query_params.get("state", "open")
        return flags if state == "all" else flags.filter(state=state)

    @extend_schema(request=None, responses=s.MeterFlagSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, public_id=None):
        """Accept the proposed offset: the meter counts on from its previous value."""
        return Response(s.MeterFlagSerializer(flag_accept(flag=self.get_object(), by=request.user.email)).data)

    @extend_schema(request=None, responses=s.MeterFlagSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request, public_id=None):
        """The read stands as it is."""
        return Response(s.MeterFlagSerializer(flag_dismiss(flag=self.get_object(), by=request.user.email)).data)
