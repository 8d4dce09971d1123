"""Agent enrolment (licence key -> agent token), self-registration and heartbeats (tokens: tokens.py)."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from agents.errors import CredentialRejected
from agents.models import Agent, Customer, Site
from agents.services.customers import customer_create, site_create
from agents.services.keys import current_dealer_code, license_key_authenticate, license_key_generate
from agents.services.tokens import TOKEN_FIELDS
from portal.lib.credentials import AGENT_TOKEN, new_credential

AGENT_NAME_MAX = 100  # Agent.name
SILENT_AFTER = timedelta(hours=24)  # no contact for this long: the agents page says so and the dealer is emailed

# Set by the dealer or by token rotation while a heartbeat may be saving the same row: never written back.
_NOT_FROM_HEARTBEAT = {"id", "revoked_at", "name", "local_printers", "local_printers_seen_at", *TOKEN_FIELDS}


@dataclass(frozen=True)
class Enrolment:
    agent: Agent
    token: str  # shown to the agent once


@transaction.atomic
def agent_enroll(
    *, license_key: str, hostname: str, os: str = "", agent_version: str = "", ip=None, name: str = ""
) -> Enrolment:
    key = license_key_authenticate(text=license_key)
    credential = new_credential(AGENT_TOKEN, current_dealer_code())
    agent = Agent.objects.create(
        site=key.site,
        license_key=key,
        hostname=hostname[:255],
        # Older agents send no name: the portal gives one so two agents of one key can be told apart.
        name=name.strip() or default_agent_name(hostname=hostname, site=key.site),
        os=os[:255],
        version=agent_version[:32],
        token_prefix=credential.prefix,
        token_hash=credential.secret_hash,
        token_issued_at=timezone.now(),
        last_seen_at=timezone.now(),
        last_ip=ip,
    )
    return Enrolment(agent=agent, token=credential.text)


@transaction.atomic
def agent_register(
    *, password: str, customer_name: str, report_emails: list[str], site_name: str = "", time_zone: str = "UTC"
) -> str:
    """The seed products' "Get Licence Key": dealer code + enrolment password at the customer's PC.

    Creates the customer and site when new, both marked for the dealer to confirm, and returns a key.
    """
    dealer = connection.tenant
    if not dealer.check_enrollment_password(password):
        raise CredentialRejected(
            "The dealer id or enrolment password is wrong. Ask the dealer for them.", code="enrollment_rejected"
        )
    customer = Customer.objects.active().filter(name__iexact=customer_name.strip()).first()
    if customer is None:
        customer = customer_create(name=customer_name, report_emails=report_emails, needs_confirmation=True)
    site_name = site_name.strip() or "Main site"
    site = customer.sites.active().filter(name__iexact=site_name).first()
    if site is None:
        site = site_create(customer=customer, name=site_name, time_zone=time_zone, needs_confirmation=True)
    _key, text = license_key_generate(site=site, via="self-registration", label="Get Licence Key")
    return text


def validate_agent_name(value: str) -> None:
    """Shown in pages, emails and the API: one printable line (serializers and forms bound the length)."""
    if not value.isprintable():
        raise ValidationError("Use one line of printable characters for the agent's name.", code="invalid_name")


def default_agent_name(*, hostname: str, site: Site) -> str:
    return f"{hostname} @ {site.name}"[:AGENT_NAME_MAX]


def agent_rename(*, agent: Agent, name: str) -> Agent:
    """The dealer's name for it; blank goes back to the default (hostname @ site)."""
    agent.name = name.strip() or default_agent_name(hostname=agent.hostname, site=agent.site)
    agent.save(update_fields=["name"])
    return agent


def agent_revoke(*, agent: Agent) -> Agent:
    if agent.revoked_at is None:
        agent.revoked_at = timezone.now()
        agent.save(update_fields=["revoked_at"])
    return agent


def agent_touch(*, agent: Agent, ip=None) -> None:
    """Every authenticated call counts as contact; heard from again ends a silence, so the next one is told."""
    Agent.objects.filter(pk=agent.pk).update(last_seen_at=timezone.now(), last_ip=ip, silent_notified_at=None)


def agent_heartbeat(*, agent: Agent, report: dict, ip=None) -> None:
    agent.last_seen_at = timezone.now()
    agent.last_ip = ip
    agent.silent_notified_at = None  # heard from again: the next silence is told again
    agent.version = str(report.get("agent_version") or agent.version)[:32]
    agent.hostname = str(report.get("hostname") or agent.hostname)[:255]
    agent.outbox_depth = _non_negative(report.get("outbox_depth"))
    agent.outbox_dropped = _non_negative(report.get("outbox_dropped"))
    agent.networks = [str(net)[:64] for net in (report.get("networks") or [])][:256]
    agent.last_error = str(report.get("last_error") or "")[:2000]
    if update := report.get("update_report"):  # sent once per change; kept until the next
        agent.update_report = {**update, "at": update["at"].isoformat() if update.get("at") else None}
    agent.save(update_fields=[f.name for f in Agent._meta.concrete_fields if f.name not in _NOT_FROM_HEARTBEAT])


def silent_for(agent: Agent, *, now) -> str:
    """How long a live agent has not been heard from ("30 hours", "3 days") past SILENT_AFTER; "" otherwise."""
    if agent.revoked_at or agent.last_seen_at is None or now - agent.last_seen_at <= SILENT_AFTER:
        return ""
    hours = int((now - agent.last_seen_at).total_seconds() // 3600)
    return f"{hours} hours" if hours < 48 else f"{hours // 24} days"


def poll_interval_seconds() -> int:
    return settings.AGENT_POLL_INTERVAL_SECONDS


def _non_negative(value) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0


def site_for_agent(agent: Agent) -> Site:
    return agent.site
