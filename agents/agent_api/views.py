"""Agent API v1 (docs/agent-protocol.md). Thin: parse, call a service, shape the answer."""

import functools
import re

from django.conf import settings
from django.db import connection, transaction
from django.http import FileResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from agents.agent_api import serializers as s
from agents.agent_api.authentication import AgentTokenAuthentication
from agents.agent_api.parsers import MaybeGzipJSONParser
from agents.errors import AgentApiError, CredentialRejected
from agents.models import Agent
from agents.services import agent_releases, directives, enrolment, offline_reads, progress, set_aside, tokens, wakeups
from agents.signals import agent_enrolled

IDEMPOTENCY_KEY_RE = re.compile(r"^[A-Za-z0-9._:-]{8,100}$")
WAIT_RE = re.compile(r"^[0-9]{1,6}$")  # ASCII digits only: int() would take "²" or "٣" and fail later
ERRORS = {code: OpenApiResponse(s.ErrorSerializer) for code in (400, 401, 404, 413)}
CONFLICT = OpenApiResponse(s.ErrorSerializer, description="Refused; `code` says why (docs/agent-protocol.md).")
WAIT_HELP = (
    "Long poll: hold the answer up to this many seconds (capped at `max_wait`) until the site has work. Absent: "
    "answer at once, as agents before long polling expect."
)


class AgentView(APIView):
    parser_classes = [MaybeGzipJSONParser]
    authentication_classes = [AgentTokenAuthentication]
    permission_classes = [IsAuthenticated]

    def handle_exception(self, exc):
        if isinstance(exc, AgentApiError):
            return Response({"detail": exc.detail, "code": exc.code}, status=exc.status)
        return super().handle_exception(exc)

    def valid(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @property
    def agent(self):
        return self.request.user

    def client_ip(self) -> str | None:
        return self.request.META.get("REMOTE_ADDR")

    def rotate_token(self) -> bool:
        """Asked on every answer until the agent has taken (and used) a new token: see services/tokens.py."""
        return tokens.token_rotation_due(use=self.request.auth)


def require_dealer() -> None:
    if connection.schema_name == "public":
        raise CredentialRejected("This key or dealer id is not known to this portal.", code="unknown_dealer")


class EnrolmentThrottle(AnonRateThrottle):
    """Per client address, across every web process (the cache is Redis)."""

    scope = "enrolment"


class EnrollView(AgentView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [EnrolmentThrottle]

    @extend_schema(request=s.EnrollRequestSerializer, responses={201: s.EnrollResponseSerializer, **ERRORS})
    def post(self, request):
        data = self.valid(s.EnrollRequestSerializer)
        require_dealer()
        enrolled = enrolment.agent_enroll(
            license_key=data["license_key"],
            hostname=data["hostname"],
            os=data["os"],
            agent_version=data["agent_version"],
            name=data["name"],
            ip=self.client_ip(),
        )
        site, dealer = enrolled.agent.site, connection.tenant
        # A new agent scans at once (or when the site's scan window opens): waiting for Monday's discovery would
        # leave the dealer looking at nothing. meters' receiver asks for it; robust: the agent keeps its token even
        # if that fails (the site's schedule scans it later).
        transaction.on_commit(lambda: agent_enrolled.send(sender=Agent, agent=enrolled.agent, site=site), robust=True)
        body = {
            "agent_id": enrolled.agent.public_id,
            "token": enrolled.token,
            "poll_interval": enrolment.poll_interval_seconds(),
            "dealer": {"code": dealer.code, "name": dealer.name},
            "site": {"id": site.public_id, "name": site.name, "customer": site.customer.name},
        }
        return Response(s.EnrollResponseSerializer(body).data, status=status.HTTP_201_CREATED)


class RegisterView(AgentView):
    """The seed products' "Get Licence Key": dealer id + enrolment password at the customer's PC."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [EnrolmentThrottle]

    @extend_schema(request=s.RegisterRequestSerializer, responses={201: s.RegisterResponseSerializer, **ERRORS})
    def post(self, request):
        data = self.valid(s.RegisterRequestSerializer)
        require_dealer()
        key = enrolment.agent_register(
            password=data["enrollment_password"],
            customer_name=data["customer_name"],
            report_emails=data["report_emails"],
            site_name=data["site_name"],
            time_zone=data["time_zone"],
        )
        return Response({"license_key": key}, status=status.HTTP_201_CREATED)


# What this portal reads beyond the base protocol; an agent uses a feature only once a heartbeat names it.
FEATURES = ["compact_deltas"]


class HeartbeatView(AgentView):
    @extend_schema(request=s.HeartbeatRequestSerializer, responses={200: s.HeartbeatResponseSerializer, **ERRORS})
    def post(self, request):
        report = self.valid(s.HeartbeatRequestSerializer)
        enrolment.agent_heartbeat(agent=self.agent, report=report, ip=self.client_ip())
        set_aside.agent_set_aside_record(
            agent=self.agent, count=report["outbox_set_aside"], detail=report["outbox_set_aside_detail"]
        )
        body = {"poll_interval": enrolment.poll_interval_seconds(), "server_time": timezone.now()}
        update = agent_releases.update_offer(agent=self.agent)
        return Response({**body, "rotate_token": self.rotate_token(), "update": update, "features": FEATURES})


class ReleaseDownloadView(AgentView):
    """A signed release offered in a heartbeat answer; the agent checks sha256 and signature itself."""

    @extend_schema(
        operation_id="agent_v1_release_download",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 401: ERRORS[401], 404: ERRORS[404]},
    )
    def get(self, request, version):
        release = agent_releases.release_get(version)
        if release is None:
            return Response({"detail": "No such agent release.", "code": "not_found"}, status=404)
        return FileResponse(
            release.path.open("rb"),
            as_attachment=True,
            filename=agent_releases.FILENAME,
            content_type="application/octet-stream",
        )


class DirectivesView(AgentView):
    @extend_schema(
        parameters=[OpenApiParameter("wait", int, description=WAIT_HELP)],
        responses={200: s.DirectivesResponseSerializer, 400: ERRORS[400], 401: ERRORS[401]},
    )
    def get(self, request):
        wait = long_poll_wait(request)
        enrolment.agent_touch(agent=self.agent, ip=self.client_ip())
        lease = functools.partial(directives.directives_lease, agent=self.agent)
        held = can_hold_polls(request)
        if wait and held:
            leased, held = wakeups.wakeup_wait(site=self.agent.site, seconds=wait, check=lease)
        else:
            leased = lease()
        items = [
            {
                "id": d.public_id,
                "kind": d.kind,
                "lease_expires_at": d.lease_expires_at,
                "params": directives.directive_payload(directive=d),
            }
            for d in leased
        ]
        body = {"poll_interval": enrolment.poll_interval_seconds(), "directives": items}
        body["read_schedule"] = offline_reads.read_schedule(site=self.agent.site)
        body["max_wait"] = settings.AGENT_LONG_POLL_MAX_WAIT if held else 0
        return Response({**body, "rotate_token": self.rotate_token()})


def long_poll_wait(request) -> int | None:
    """`?wait=` in whole seconds, capped at AGENT_LONG_POLL_MAX_WAIT: a poll never outlasts the proxy's timeout."""
    text = request.query_params.get("wait")
    if text is None or text == "":
        return None
    if not WAIT_RE.match(text):
        raise AgentApiError("wait must be a whole number of seconds, 0 or more.", code="invalid")
    return min(int(text), settings.AGENT_LONG_POLL_MAX_WAIT)


def can_hold_polls(request) -> bool:
    """A process that serves one request at a time (gunicorn's sync worker, the test client) says so in
    wsgi.multithread: a poll held there would block every other request to it."""
    limits = settings.AGENT_LONG_POLL_MAX_WAIT > 0 and settings.AGENT_LONG_POLL_SLOTS > 0
    return bool(request.META.get("wsgi.multithread")) and limits


class TokenView(AgentView):
    """The swap: a new token, shown once. Called with the current token, or the previous one in its grace."""

    @extend_schema(request=None, responses={200: s.TokenResponseSerializer, 401: ERRORS[401]})
    def post(self, request):
        issued = tokens.token_rotate(use=request.auth)
        body = {"token": issued.text, "issued_at": issued.issued_at}
        body["previous_token_expires_at"] = issued.previous_expires_at
        return Response(s.TokenResponseSerializer(body).data)


class DirectiveResultView(AgentView):
    @extend_schema(
        request={"application/json": {"type": "object"}},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=True)],
        responses={200: s.ResultResponseSerializer, **ERRORS, 409: CONFLICT},
        description="Body: the result JSON, gzip-compressed (`Content-Encoding: gzip`). The same Idempotency-Key "
        "twice is stored once and acknowledged twice.",
    )
    def post(self, request, directive_id):
        stored = directives.directive_result_store(
            agent=self.agent,
            directive_id=directive_id,
            idempotency_key=idempotency_key(request),
            payload=request.data,
            size=getattr(request, "upload_size", 0),
        )
        body = {"status": "accepted", "result_id": stored.result.public_id, "duplicate": stored.duplicate}
        return Response(body)


class DirectiveProgressView(AgentView):
    """How a running discovery is going: addresses probed of total, printers found. Sent every few seconds at most;
    only the latest is kept (agents/services/progress.py)."""

    @extend_schema(
        request=s.ProgressRequestSerializer,
        responses={200: s.ProgressResponseSerializer, **ERRORS, 409: CONFLICT},
    )
    def post(self, request, directive_id):
        data = self.valid(s.ProgressRequestSerializer)
        progress.directive_progress_record(agent=self.agent, directive_id=directive_id, **data)
        return Response({"status": "stored"})


class OfflineReadView(AgentView):
    """A read the agent took by itself while the portal was unreachable (agents/services/offline_reads.py)."""

    @extend_schema(
        request={"application/json": {"type": "object"}},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=True)],
        responses={200: s.ResultResponseSerializer, **ERRORS, 409: CONFLICT},
        description="Body: a `read` result JSON with its `started_at`/`finished_at`, gzip-compressed. Stored as a "
        "read directive requested by 'agent (offline)'; the same Idempotency-Key twice is stored once.",
    )
    def post(self, request):
        stored = offline_reads.offline_read_store(
            agent=self.agent,
            idempotency_key=idempotency_key(request),
            payload=request.data,
            size=getattr(request, "upload_size", 0),
        )
        body = {"status": "accepted", "result_id": stored.result.public_id, "duplicate": stored.duplicate}
        return Response(body)


def idempotency_key(request) -> str:
    key = request.headers.get("Idempotency-Key", "")
    if not IDEMPOTENCY_KEY_RE.match(key):
        raise AgentApiError("Send an Idempotency-Key header of 8-100 letters, digits or -_.:", code="idempotency_key")
    return key
