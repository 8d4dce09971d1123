"""The "agents gone silent" email: a day without contact, told to the dealer once per silence.

Agent.silent_notified_at marks a silence as told; any contact from the agent clears it (agents/services/enrolment.py),
so the next silence is told again.
"""

import hashlib
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone
from django.utils.formats import date_format

from agents.models import Agent
from agents.services.enrolment import SILENT_AFTER, silent_for
from portal.lib.urls import absolute_url
from reports.choices import EmailKind
from reports.services.emails import email_queue, render_email


def silent_agents_notify(*, now=None) -> int:
    """One email listing the dealer's agents newly silent for over a day; returns how many it listed."""
    now = now or timezone.now()
    with transaction.atomic():
        # Locked and skipped: two copies of the task never list the same agent.
        silent = list(
            Agent.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(revoked_at__isnull=True, silent_notified_at__isnull=True, last_seen_at__lt=now - SILENT_AFTER)
            .select_related("site__customer")
            .order_by("site__customer__name", "site__name", "name")
        )
        if not silent:
            return 0
        recipients = list(connection.tenant.notification_emails)
        if recipients:  # nobody to tell: still marked, so a recipient added later is not sent old news
            _queue_email(silent, recipients, now=now)
        Agent.objects.filter(pk__in=[agent.pk for agent in silent]).update(silent_notified_at=now)
    return len(silent)


def _queue_email(agents: list[Agent], recipients: list[str], *, now) -> None:
    dealer = connection.tenant
    context = {
        "dealer_name": dealer.name,
        "dealer_email": dealer.reply_to_email or None,
        "dealer_phone": dealer.phone or None,
        "agents": [_agent_row(agent, now=now) for agent in agents],
        "portal_url": absolute_url("/agents/"),
    }
    email_queue(
        kind=EmailKind.ALERT,
        dedupe_key=_dedupe_key(agents),
        recipients=recipients,
        rendered=render_email("agent_silent", context),
    )


def _agent_row(agent: Agent, *, now) -> dict:
    site = agent.site
    local = timezone.localtime(agent.last_seen_at, ZoneInfo(site.time_zone or "UTC"))
    return {
        "name": agent.name or agent.hostname,
        "hostname": agent.hostname,
        "customer_name": site.customer.name,
        "site_name": site.name,
        "last_contact": date_format(local, "DATETIME_FORMAT"),
        "silent_for": silent_for(agent, now=now),
    }


def _dedupe_key(agents: list[Agent]) -> str:
    """Each agent and the start of its silence (its last contact): a retry of the same pass is the same email."""
    parts = sorted(f"{agent.public_id}@{agent.last_seen_at.isoformat()}" for agent in agents)
    return "agent-silent:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()
