"""Dealer API v1 for the fleet: devices, their meters, supplies, alerts and flagged reads."""

from django.db.models import OuterRef, Subquery
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from meters.api import serializers as s
from meters.filtersets import DeviceFilterSet
from meters.models import Device, MeterFlag, MeterRead
from meters.services.devices import device_set_monitored
from meters.services.flags import FlagAlreadyDecided, flag_accept, flag_dismiss


class DeviceViewSet(mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Devices with their latest meters and supplies. PATCH `is_monitored` to choose what is read and reported."""

    serializer_class = s.DeviceSerializer
    lookup_field = "public_id"
    filter_backends = [DjangoFilterBackend]
    filterset_class = DeviceFilterSet
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        # The latest good read's meters as a correlated subquery: one (device, -read_at) index probe for each
        # device of the page, where a sliced prefetch numbers every read of every device on the page.
        latest = MeterRead.objects.filter(device=OuterRef("pk"), is_flagged=False).order_by("-read_at")
        return (
            Device.objects.select_related("site__customer")
            .prefetch_related("supplies")
            .annotate(latest_meters=Subquery(latest.values("values")[:1]))
            .order_by("site__customer__name", "model", "serial", "pk")
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
        if self.action in ("accept", "dismiss"):  # a decided flag is found, and the caller told it is decided
            return flags
        return flags if state == "all" else flags.filter(state=state)

    @extend_schema(request=s.FlagAcceptSerializer, responses={200: s.MeterFlagSerializer, 409: dict})
    @action(detail=True, methods=["post"])
    def accept(self, request, public_id=None):
        """Accept the flag. For a reset, the reset read and the later ones count on from before the reset: the
        proposed offset, or `offset` when given. Deciding a decided flag answers 409."""
        body = s.FlagAcceptSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._decide(flag_accept, offset=body.validated_data.get("offset"))

    @extend_schema(request=None, responses={200: s.MeterFlagSerializer, 409: dict})
    @action(detail=True, methods=["post"])
    def dismiss(self, request, public_id=None):
        """The read stands as it is. Deciding a decided flag answers 409."""
        return self._decide(flag_dismiss)

    def _decide(self, decision, **options):
        try:
            flag = decision(flag=self.get_object(), by=self.request.user.email, **options)
        except FlagAlreadyDecided as decided:
            return Response({"detail": str(decided), "state": decided.flag.state}, status=409)
        return Response(s.MeterFlagSerializer(flag).data)
