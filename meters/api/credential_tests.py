"""Dealer API v1: test SNMP credentials now (POST /devices/<id>/test/, POST /snmp-credentials/<id>/test/).

Here rather than in agents' API: a test's targets are the fleet's devices, and agents must not import meters.
The outcome lands in the device's `last_test` (GET /devices/<id>/) and the credential's (GET
/snmp-credentials/<id>/) once the site's agent has answered; follow the directive at GET /directives/<id>/.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from agents.api.serializers import DirectiveSerializer
from agents.models import Site, SnmpCredential
from meters.models import Device
from meters.services.credential_tests import TestRefused, credential_test_request, device_test_request

REFUSED = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description='`{"detail": "<the reason>", "code": "archived" | "excluded" | "no_address" | "no_credentials" | '
    '"no_devices" | "bad_address" | "site_required" | "wrong_site"}`',
)


class CredentialTestInputSerializer(serializers.Serializer):
    address = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text="An IP address to test; empty: every known device of the site(s).",
    )
    site = serializers.SlugRelatedField(
        slug_field="public_id",
        queryset=Site.objects.active(),
        required=False,
        allow_null=True,
        help_text="For a customer's credential: the site whose agent tests the address.",
    )


class DeviceTestView(GenericAPIView):
    queryset = Device.objects.select_related("site")
    lookup_field = "public_id"
    serializer_class = DirectiveSerializer

    @extend_schema(operation_id="devices_test", request=None, responses={202: DirectiveSerializer, 400: REFUSED})
    def post(self, request, public_id):
        """Try the site's SNMP credentials on this device now (the one it answered to before first)."""
        try:
            directive = device_test_request(device=self.get_object(), requested_by=request.user.email)
        except TestRefused as refused:
            return Response({"detail": str(refused), "code": refused.code}, status=400)
        return Response(DirectiveSerializer(directive).data, status=202)


class CredentialTestView(GenericAPIView):
    queryset = SnmpCredential.objects.select_related("site", "customer")
    lookup_field = "public_id"
    serializer_class = CredentialTestInputSerializer

    @extend_schema(
        operation_id="snmp_credentials_test",
        request=CredentialTestInputSerializer,
        responses={202: DirectiveSerializer(many=True), 400: REFUSED},
    )
    def post(self, request, public_id):
        """Try this credential now on an address, or on every known device of the sites that use it."""
        credential = self.get_object()
        body = CredentialTestInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            directives = credential_test_request(
                credential=credential,
                requested_by=request.user.email,
                address=body.validated_data.get("address", ""),
                site=body.validated_data.get("site"),
            )
        except TestRefused as refused:
            return Response({"detail": str(refused), "code": refused.code}, status=400)
        return Response(DirectiveSerializer(directives, many=True).data, status=202)
