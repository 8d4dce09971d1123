"""Reads an agent took by itself while the portal was unreachable (docs/agent-protocol.md, "Offline reads").

The agent keeps reading its last read directive's devices at the site's read hours (`read_schedule`, sent with
every poll) and uploads each read later to `POST /agent/v1/reads`. Each becomes a read directive of its own,
requested by "agent (offline)", leased to that agent and answered by the upload through directive_result_store:
the same checks, idempotency and interpretation as any other read.

The read time: meters are stored at the agent's `finished_at`, which result_time() believes only between the
directive's created_at (less 5 minutes of clock skew) and the upload's arrival. This directive is created at
the upload, so its created_at is set back to when the read started. A read older than MAX_AGE is refused (400)
rather than stored at the time it arrived, which would move its pages into the wrong month.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from agents.choices import DirectiveKind, DirectiveStatus
from agents.errors import AgentApiError
from agents.models import Agent, Directive, DirectiveResult, Site
from agents.services.directives import StoredResult, directive_result_store

OFFLINE_REQUESTED_BY = "agent (offline)"
MAX_AGE = timedelta(days=35)  # a month's reads and some; the agent's outbox rarely holds more


def read_schedule(*, site: Site) -> dict:
    """When the agent reads by itself while the portal is away: the hours the portal reads this site at
    (meters.services.schedules), in the site's time zone."""
    return {"time_zone": site.time_zone, "hours": sorted(set(connection.tenant.read_hours))}


def offline_read_store(*, agent: Agent, idempotency_key: str, payload, size: int) -> StoredResult:
    """Stores an offline read once, as the answer to a directive made for it."""
    existing = DirectiveResult.objects.filter(agent=agent, idempotency_key=idempotency_key).first()
    if existing is not None:  # a retry: the first upload's directive answers it, with the same duplicate checks
        directive_id = Directive.objects.values_list("public_id", flat=True).get(pk=existing.directive_id)
        return directive_result_store(
            agent=agent, directive_id=directive_id, idempotency_key=idempotency_key, payload=payload, size=size
        )
    started = offline_read_started(payload, now=timezone.now())
    with transaction.atomic():
        directive = _offline_directive(agent, started)
        stored = directive_result_store(
            agent=agent, directive_id=directive.public_id, idempotency_key=idempotency_key, payload=payload, size=size
        )
        if stored.result.directive_id != directive.pk:  # the same upload arrived twice at once: the first stands
            directive.delete()
    return stored


def offline_read_started(payload, *, now: datetime) -> datetime:
    """When the read began, by the agent's clock, no later than now; 400 when it does not say or is too old."""
    if not isinstance(payload, dict) or payload.get("kind") != DirectiveKind.READ:
        raise AgentApiError('An offline read is a read result: {"kind": "read", …}.', code="malformed_result")
    finished = _stamp(payload.get("finished_at"))
    if finished is None:
        raise AgentApiError(
            "An offline read must say when it was taken: finished_at, an ISO 8601 time with its zone.",
            code="malformed_result",
        )
    if finished < now - MAX_AGE:
        raise AgentApiError(
            f"This read was taken more than {MAX_AGE.days} days ago; it is kept at the agent, not stored.",
            code="read_too_old",
        )
    started = _stamp(payload.get("started_at")) or finished
    return max(min(started, finished, now), now - MAX_AGE)


def _stamp(value) -> datetime | None:
    try:
        stamp = parse_datetime(str(value or ""))
    except ValueError:  # well formed, impossible: 2026-02-30
        return None
    return stamp if stamp is not None and stamp.tzinfo is not None else None


def _offline_directive(agent: Agent, started: datetime) -> Directive:
    """Leased to the agent that read, so only it may answer; created (for result_time) when the read began."""
    now = timezone.now()
    directive = Directive.objects.create(
        site_id=agent.site_id,
        kind=DirectiveKind.READ,
        params={"offline": True},
        requested_by=OFFLINE_REQUESTED_BY,
        status=DirectiveStatus.LEASED,
        leased_by=agent,
        leased_at=now,
        lease_expires_at=now + timedelta(seconds=settings.AGENT_LEASE_SECONDS),
        attempts=1,
    )
    Directive.objects.filter(pk=directive.pk).update(created_at=started)  # auto_now_add ignores a given value
    directive.created_at = started
    return directive
