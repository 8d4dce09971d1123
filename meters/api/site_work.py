"""Dealer API v1: ask a site's agent to work now (POST /sites/<id>/scan|status|read/, POST /devices/<id>/read/).

Here rather than on agents' SiteViewSet: the directives' plans come from meters (vendor profiles), and agents
must not import meters.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from agents.api.serializers import DirectiveSerializer
from agents.choices import DirectiveKind
from agents.models import Site
from meters.models import Device
from meters.services.plans import (
    device_read_refusal,
    devices_read_request,
    discover_directive_request,
    read_directive_request,
)
from meters.services.schedules import discovery_request

CONFLICT = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description='`{"detail": "<the reason>", "code": "archived" | "no_devices"}`: the site is archived, or (read, '
    "status) it has no monitored devices yet.",
)


class SiteDirectiveRequestView(GenericAPIView):
    """Queues a directive (or returns the one of that kind still pending) and answers 202 with it; follow it at
    GET /api/v1/directives/?site=<id>."""

    queryset = Site.objects.all()
    lookup_field = "public_id"
    serializer_class = DirectiveSerializer
    kind = DirectiveKind.DISCOVER

    def post(self, request, public_id):
        site = self.get_object()
        if site.archived_at:
            return Response({"detail": "The site is archived.", "code": "archived"}, status=409)
        if self.kind == DirectiveKind.DISCOVER:
            directive = discover_directive_request(site=site, requested_by=request.user.email)
        else:
            directive = read_directive_request(site=site, kind=self.kind, requested_by=request.user.email)
        if directive is None:
            detail = "The site has no monitored devices to read: run a discovery first."
            return Response({"detail": detail, "code": "no_devices"}, status=409)
        return Response(DirectiveSerializer(directive).data, status=202)


class ScanDeferredSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="`waiting_for_window`")
    detail = serializers.CharField()
    runs_at = serializers.DateTimeField(help_text="When the site's scan window opens and the discovery is queued.")


SCAN_ACCEPTED = PolymorphicProxySerializer(
    component_name="ScanAccepted",
    serializers=[DirectiveSerializer, ScanDeferredSerializer],
    resource_type_field_name=None,
)


class SiteScanView(SiteDirectiveRequestView):
    kind = DirectiveKind.DISCOVER

    @extend_schema(
        operation_id="sites_scan",
        request=None,
        parameters=[
            OpenApiParameter(
                "outside_window",
                bool,
                description="Scan now even outside the site's scan window (the customer's "
                "IT agreed): otherwise a scan asked for outside it waits for the window to open.",
            )
        ],
        responses={202: SCAN_ACCEPTED, 409: CONFLICT},
    )
    def post(self, request, public_id):
        """Discover the site's printers now (its scan targets, or the agent's own networks), inside the site's
        scan window; outside it, when the window opens (`runs_at`), unless `outside_window=true`."""
        site = self.get_object()
        if site.archived_at:
            return Response({"detail": "The site is archived.", "code": "archived"}, status=409)
        anyway = request.query_params.get("outside_window", "").lower() in ("1", "true", "yes")
        asked = discovery_request(site=site, requested_by=request.user.email, outside_window=anyway)
        if asked.directive is not None:
            return Response(DirectiveSerializer(asked.directive).data, status=202)
        detail = "Outside the site's scan window: the discovery is queued when the window opens."
        body = {"code": "waiting_for_window", "detail": detail, "runs_at": asked.runs_at}
        return Response(ScanDeferredSerializer(body).data, status=202)


class SiteStatusView(SiteDirectiveRequestView):
    kind = DirectiveKind.STATUS

    @extend_schema(operation_id="sites_status", request=None, responses={202: DirectiveSerializer, 409: CONFLICT})
    def post(self, request, public_id):
        """Scan the status (state and alerts, no counters or supplies) of the site's monitored devices now."""
        return super().post(request, public_id)


class SiteReadView(SiteDirectiveRequestView):
    kind = DirectiveKind.READ

    @extend_schema(operation_id="sites_read", request=None, responses={202: DirectiveSerializer, 409: CONFLICT})
    def post(self, request, public_id):
        """Read the meters and supplies of the site's monitored devices now."""
        return super().post(request, public_id)


DEVICE_CONFLICT = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description='`{"detail": "<the reason>", "code": "archived" | "not_monitored" | "no_address"}`: the site is '
    "archived, the device is not monitored (or retired), or no address is known for it yet.",
)


class DeviceReadView(GenericAPIView):
    """Queues a read of this one device (added to the site's pending read, if one is waiting) and answers 202 with
    the directive; the agent, if it is long-polling, starts it within seconds."""

    queryset = Device.objects.select_related("site")
    lookup_field = "public_id"
    serializer_class = DirectiveSerializer

    @extend_schema(
        operation_id="devices_read", request=None, responses={202: DirectiveSerializer, 409: DEVICE_CONFLICT}
    )
    def post(self, request, public_id):
        """Read this device's meters and supplies now."""
        device = self.get_object()
        refusal = device_read_refusal(device)
        if refusal is not None:
            return Response({"detail": refusal[1], "code": refusal[0]}, status=409)
        directive = devices_read_request(site=device.site, devices=[device], requested_by=request.user.email)
        return Response(DirectiveSerializer(directive).data, status=202)
