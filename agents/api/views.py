"""Dealer API v1: for dealers who integrate Meterbridge with their ERP. Per-user tokens, role-checked."""

from contextlib import contextmanager

from django.db import transaction
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from agents import filtersets, selectors
from agents.api import serializers as s
from agents.errors import AgentApiError
from agents.models import Agent, Customer, LicenseKey, Site, SnmpCredential
from agents.services import credentials as credential_svc
from agents.services import customers as svc
from agents.services.enrolment import agent_rename, agent_revoke
from agents.services.keys import license_key_generate, license_key_revoke
from agents.services.results import result_retry
from agents.services.tokens import token_rotation_request


class CustomerViewSet(viewsets.ModelViewSet):
    queryset = Customer.objects.all()  # the filter set keeps archived ones out unless asked (?archived=true)
    serializer_class = s.CustomerSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = filtersets.CustomerFilterSet
    lookup_field = "public_id"
    key_manager_actions = {"destroy"}  # admins, or technicians if the dealer allows (RolePermission)

    def perform_create(self, serializer):
        serializer.instance = svc.customer_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = svc.customer_update(customer=serializer.instance, **serializer.validated_data)

    @extend_schema(description="Archives the customer (and its sites); history is kept.")
    def destroy(self, request, *args, **kwargs):
        svc.customer_archive(customer=self.get_object())
        return Response(status=204)


class SiteViewSet(viewsets.ModelViewSet):
    queryset = Site.objects.select_related("customer")  # archived ones only with ?archived=true (the filter set)
    serializer_class = s.SiteSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = filtersets.SiteFilterSet
    lookup_field = "public_id"
    key_manager_actions = {"destroy"}  # admins, or technicians if the dealer allows (RolePermission)

    def perform_create(self, serializer):
        serializer.instance = svc.site_create(**serializer.validated_data)

    def perform_update(self, serializer):
        data = {k: v for k, v in serializer.validated_data.items() if k != "customer"}
        serializer.instance = svc.site_update(site=serializer.instance, **data)

    @extend_schema(description="Archives the site; its keys and agents are switched off.")
    def destroy(self, request, *args, **kwargs):
        svc.site_archive(site=self.get_object())
        return Response(status=204)


class LicenseKeyViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = LicenseKey.objects.select_related("site", "created_by")
    serializer_class = s.LicenseKeySerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = filtersets.LicenseKeyFilterSet
    lookup_field = "public_id"
    key_manager_actions = {"create", "revoke"}  # admins, or technicians if the dealer allows (RolePermission)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        key, text = license_key_generate(
            site=data["site"],
            created_by=request.user,
            label=data.get("label", ""),
            expires_at=data.get("expires_at"),
            via="api",
        )
        body = s.LicenseKeySerializer(key, context={**self.get_serializer_context(), "new_key_text": text}).data
        return Response(body, status=201)

    @extend_schema(request=None, responses=s.LicenseKeySerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, public_id=None):
        return Response(s.LicenseKeySerializer(license_key_revoke(key=self.get_object())).data)


class AgentViewSet(mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Agent.objects.select_related("site")
    serializer_class = s.AgentSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = filtersets.AgentFilterSet  # as the agents page
    lookup_field = "public_id"
    key_manager_actions = {"revoke", "rotate_token"}  # admins, or technicians if the dealer allows (RolePermission)
    http_method_names = ["get", "post", "patch", "head", "options"]  # PATCH renames; no PUT of a whole agent

    @extend_schema(description="Renames the agent (`name` only; blank gives back '<hostname> @ <site>').")
    def partial_update(self, request, *args, **kwargs):
        if not isinstance(request.data, dict) or "name" not in request.data:
            raise ValidationError({"name": "Send the agent's new name."})
        return super().partial_update(request, *args, **kwargs)

    def perform_update(self, serializer):
        serializer.instance = agent_rename(agent=serializer.instance, name=serializer.validated_data["name"])

    @extend_schema(request=None, responses=s.AgentSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, public_id=None):
        return Response(s.AgentSerializer(agent_revoke(agent=self.get_object())).data)

    @extend_schema(
        request=None,
        responses={200: s.AgentSerializer, 400: OpenApiResponse(description="The agent is switched off.")},
        description="Asks the agent to take a new token at its next poll (docs/agent-protocol.md). Its current "
        "token keeps working for AGENT_TOKEN_GRACE_HOURS after the agent has taken the new one.",
    )
    @action(detail=True, methods=["post"], url_path="rotate-token")
    def rotate_token(self, request, public_id=None):
        try:
            agent = token_rotation_request(agent=self.get_object())
        except AgentApiError as exc:
            return Response({"detail": exc.detail, "code": exc.code}, status=400)
        return Response(s.AgentSerializer(agent).data)


class SnmpCredentialViewSet(viewsets.ModelViewSet):
    """SNMP communities and SNMPv3 users of a customer (all its sites) or of one site, tried in `position` order:
    the site's own first, then its customer's. Secrets are write-only; test one with POST `<id>/test/`."""

    serializer_class = s.SnmpCredentialSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = filtersets.SnmpCredentialFilterSet  # ?effective=true orders them as the agent tries them
    lookup_field = "public_id"

    def get_queryset(self):
        credentials = SnmpCredential.objects.select_related("site", "customer")
        return credentials.order_by("customer_id", "site_id", "position", "pk")

    def perform_create(self, serializer):
        data, owner = serializer.service_fields(), serializer.validated_data
        with _invalid_as_400():
            credential = credential_svc.credential_create(
                site=owner.get("site"), customer=owner.get("customer"), **data
            )
            if "position" in owner:
                credential_svc.credential_move(credential=credential, position=owner["position"])
        serializer.instance = credential

    def perform_update(self, serializer):
        credential = serializer.instance
        with _invalid_as_400():
            credential = credential_svc.credential_update(credential=credential, **serializer.service_fields())
            if "position" in serializer.validated_data:
                credential_svc.credential_move(credential=credential, position=serializer.validated_data["position"])
        serializer.instance = credential

    def perform_destroy(self, instance):
        credential_svc.credential_delete(credential=instance)


@contextmanager
def _invalid_as_400():
    """The service's CredentialInvalid as the API's 400 with the reason per field."""
    try:
        with transaction.atomic():
            yield
    except credential_svc.CredentialInvalid as exc:
        raise ValidationError({field: [message] for field, message in exc.errors.items()}) from exc


class DirectiveViewSet(viewsets.ReadOnlyModelViewSet):
    """Work asked of sites' agents (discovery, meter read, status scan), newest first: a scan asked for through
    the API is done when its directive's status is `done` (or `failed`, with the result's error)."""

    serializer_class = s.DirectiveSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = filtersets.DirectiveFilterSet
    lookup_field = "public_id"

    def get_queryset(self):
        return selectors.directive_list()

    @extend_schema(
        request=None,
        responses={202: s.DirectiveSerializer, 409: OpenApiResponse(description="Its latest result is not failed.")},
        description="Interprets the directive's failed result again (after the cause was fixed): its tries start "
        "from zero. Follow it here until the result's status is `interpreted` (or `failed` again, with the error).",
    )
    @action(detail=True, methods=["post"])
    def reinterpret(self, request, public_id=None):
        directive = self.get_object()
        result = directive.results.order_by("-received_at").first()
        if result is None or not result_retry(result):
            detail = "Only a failed result can be interpreted again; this one is not failed."
            return Response({"detail": detail, "code": "not_failed"}, status=409)
        return Response(s.DirectiveSerializer(self.get_object()).data, status=202)
