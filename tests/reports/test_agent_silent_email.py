"""Agents silent for a day: the dealer is emailed once per silence, told again after the next one, never about
agents that were switched off."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.core import mail
from django.utils import timezone

from agents.models import Agent
from agents.services.enrolment import agent_rename, agent_revoke
from reports.models import OutboundEmail
from reports.services.agent_silence import silent_agents_notify
from reports.services.emails import email_send
from reports.tasks import notify_silent_agents
from tests.agents.test_agent_api import get_directives, post_json
from tests.support.factories import make_agent, make_site


def silence(agent: Agent, *, hours: float) -> None:
    Agent.objects.filter(pk=agent.pk).update(last_seen_at=timezone.now() - timedelta(hours=hours))


def emails_about(name: str) -> list:
    """The silence emails naming this agent, sent through the real email path (locmem backend)."""
    for email in OutboundEmail.objects.filter(status="pending"):
        email_send(email_id=email.public_id)
    return [m for m in mail.outbox if name in m.body]


def named_agent(name: str, **kwargs) -> tuple[Agent, str]:
    agent, token = make_agent(**kwargs)
    return agent_rename(agent=agent, name=name), token


def dealer_emails(acme, settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    acme.dealer.notification_emails = ["service@acme.example"]
    acme.dealer.save()


def test_a_day_of_silence_is_emailed_once_with_customer_site_and_last_contact(acme, settings):
    dealer_emails(acme, settings)
    site = make_site(customer_name="Silent Dental", site_name="Back office")
    quiet, _ = named_agent("Reception PC", site=site, hostname="vm")
    recent, _ = named_agent("Front desk PC", site=site, hostname="vm")
    silence(quiet, hours=30)
    silence(recent, hours=20)  # under a day: not yet
    notify_silent_agents()  # the beat task, in every dealer
    notify_silent_agents()  # and its next run
    (message,) = emails_about("Reception PC")
    assert message.to == ["service@acme.example"]
    assert "Reception PC" in message.subject and site.customer.name in message.subject
    assert site.customer.name in message.body and "Back office" in message.body
    assert "silent for 30 hours" in message.body and "Front desk PC" not in message.body
    last_contact = timezone.localtime(Agent.objects.get(pk=quiet.pk).last_seen_at, ZoneInfo(site.time_zone))
    assert last_contact.strftime("%H:%M") in message.body  # in the site's own time zone
    assert "Reception PC" in message.alternatives[0][0]
    quiet.refresh_from_db()
    assert quiet.silent_notified_at is not None


def test_heard_from_again_then_silent_again_is_a_second_email(acme, settings, client):
    dealer_emails(acme, settings)
    agent, token = named_agent("Warehouse PC")
    silence(agent, hours=26)
    assert silent_agents_notify() >= 1
    assert len(emails_about("Warehouse PC")) == 1
    assert post_json(client, "/agent/v1/heartbeat", {"outbox_depth": 0}, token=token).status_code == 200
    agent.refresh_from_db()
    assert agent.silent_notified_at is None  # back: the next silence is news
    silence(agent, hours=50)
    silent_agents_notify()
    silent_agents_notify()
    _first, second = emails_about("Warehouse PC")
    assert "silent for 2 days" in second.body


def test_a_directives_poll_also_ends_a_silence(acme, settings, client):
    dealer_emails(acme, settings)
    agent, token = named_agent("Poll-only PC")
    silence(agent, hours=25)
    silent_agents_notify()
    assert get_directives(client, token).status_code == 200
    agent.refresh_from_db()
    assert agent.silent_notified_at is None


def test_switched_off_agents_are_never_emailed(acme, settings):
    dealer_emails(acme, settings)
    agent, _ = named_agent("Old server")
    agent_revoke(agent=agent)
    silence(agent, hours=72)
    silent_agents_notify()
    assert emails_about("Old server") == []
    agent.refresh_from_db()
    assert agent.silent_notified_at is None
