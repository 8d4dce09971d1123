"""Dealer API v1: ask a site's agent to work now (POST /sites/<id>/scan|status|read/).

Here rather than on agents' SiteViewSet: the directives' plans come from meters (vendor profiles), and agents
must not import meters.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from agents.api.serializers import DirectiveSerializer
from agents.choices import DirectiveKind
from agents.models import Site
from meters.services.plans import discover_directive_request, read_directive_request

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


class SiteScanView(SiteDirectiveRequestView):
    kind = DirectiveKind.DISCOVER

    @extend_schema(operation_id="sites_scan", request=None, responses={202: DirectiveSerializer, 409: CONFLICT})
    def post(self, request, public_id):
        """Discover the site's printers now (its scan targets, or the agent's own networks)."""
        return super().post(request, public_id)


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
