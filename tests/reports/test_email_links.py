"""Every kind of email, as its reader gets it: links that open the portal on the port it runs on (a link without
the port opens nothing), the dealer's name as the sender on the platform's address, and a Reply-To that reaches
a person at the dealer."""

import re
from email.utils import parseaddr
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection

from meters.services.ingest import result_interpret
from reports.models import OutboundEmail
from reports.readings.views import ReadingLinkThrottle
from reports.services.agent_silence import silent_agents_notify
from reports.services.emails import email_send
from reports.services.notifications import alerts_notify, discovery_notify
from reports.services.runs import report_run_request
from reports.tasks import run_report
from tests.meters.ingest_support import discover, discovery_payload, hours_ago, new_agent, read, store_result
from tests.meters.test_customer_meter_readings import ask, entry, open_link, stale_device
from tests.reports.test_agent_silent_email import silence
from tests.reports.test_notifications import first_supply_at
from tests.support.factories import make_site
from tests.support.personas import client_for

PORT = 8123  # not the scheme's own: a link that drops it would not open
LINK_RE = re.compile(r"https?://[^\s\"'<>]+")


@pytest.fixture(autouse=True)
def portal_on_a_port(settings, acme):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PORTAL_SCHEME, settings.PORTAL_CENTRAL_URL = "http", f"http://localhost:{PORT}"
    settings.DEFAULT_FROM_EMAIL = "Meterbridge <reports@meterbridge.example>"
    acme.dealer.notification_emails = ["service@acme.example"]
    acme.dealer.reply_to_email = ""
    acme.dealer.save()
    cache.delete(ReadingLinkThrottle.cache_format % {"scope": ReadingLinkThrottle.scope, "ident": "127.0.0.1"})


def send_queued() -> list:
    before = len(mail.outbox)
    for email in OutboundEmail.objects.filter(status="pending"):
        email_send(email_id=email.public_id)
    return mail.outbox[before:]


def links(message) -> set[str]:
    texts = [message.body, *(content for content, _ in message.alternatives)]
    return {link.rstrip(".,)") for text in texts for link in LINK_RE.findall(text)}


def follow(url: str, client) -> int:
    """Opens the link as a browser does: the host and port it names, the path on them."""
    parts = urlsplit(url)
    assert (parts.hostname, parts.port) == ("acme.localhost", PORT), url
    return client.get(parts.path, HTTP_HOST=parts.netloc).status_code


def assert_from_the_dealer(message, reply_to: str) -> None:
    name, address = parseaddr(message.from_email)
    assert (name, address) == ("Acme Copiers via Meterbridge", "reports@meterbridge.example")
    assert message.reply_to == [reply_to]


def assert_staff_links_open(message, acme, expected: int) -> None:
    found = links(message)
    assert len(found) == expected, found
    staff = client_for(acme, acme.technician)
    assert all(follow(url, staff) == 200 for url in found), found


def test_alert_email_links_to_the_device_on_the_portals_port(acme):
    agent = new_agent()
    device = discover(agent, "konica_c250i", "10.61.0.2")
    read(agent, device, "konica_c250i", at=hours_ago(2), edit=first_supply_at("konica_c250i", 0.05))
    alerts_notify()
    (message,) = [m for m in send_queued() if "toner" in m.subject.lower()]
    assert_from_the_dealer(message, reply_to=acme.admin.email)  # no reply address: the dealer's admin
    assert_staff_links_open(message, acme, expected=1)
    assert f"/devices/{device.public_id}/" in links(message).pop()


def test_discovery_email_links_to_the_site_on_the_portals_port(acme):
    agent = new_agent()
    result = store_result(agent, "discover", discovery_payload("konica_c250i", "10.61.0.1"))
    result_interpret(result=result)
    assert discovery_notify(result_id=str(result.public_id))
    (message,) = send_queued()
    assert_from_the_dealer(message, reply_to=acme.admin.email)
    assert_staff_links_open(message, acme, expected=1)


def test_silent_agent_email_links_to_the_agents_page_on_the_portals_port(acme):
    agent = new_agent()
    silence(agent, hours=30)
    assert silent_agents_notify() == 1
    (message,) = send_queued()
    assert_from_the_dealer(message, reply_to=acme.admin.email)
    assert_staff_links_open(message, acme, expected=1)


def test_meter_report_is_from_the_dealer_and_replies_reach_its_reply_address(acme):
    acme.dealer.reply_to_email = "accounts@acme.example"
    acme.dealer.save()
    site = make_site(customer_name="Linked Customer")
    discover(new_agent(site=site), "konica_c250i", "10.61.0.3")
    run = report_run_request(customer=site.customer, requested_by="test")
    run_report(str(run.public_id))
    (message,) = send_queued()
    assert message.to == ["it@contoso.example"] and message.attachments
    assert_from_the_dealer(message, reply_to="accounts@acme.example")
    assert links(message) == set()  # the customer's people have no sign-in: no portal link, only the dealer's


def test_reading_request_link_opens_the_form_on_the_portals_port(acme):
    device = stale_device()
    ask(acme, device)
    message = mail.outbox[-1]
    assert_from_the_dealer(message, reply_to=acme.admin.email)
    (url,) = links(message)
    customer = client_for(acme)  # the customer: no sign-in
    assert follow(url, customer) == 302  # swapped for the form's own address, as test_customer_meter_readings says


def test_reading_entered_email_links_to_the_device_on_the_portals_port(acme):
    device = stale_device()
    path = ask(acme, device)
    customer = client_for(acme)
    form_url = open_link(customer, path)
    assert customer.post(form_url, entry(device)).status_code == 302
    (message,) = send_queued()
    assert_from_the_dealer(message, reply_to=acme.admin.email)
    assert_staff_links_open(message, acme, expected=1)


def test_links_follow_the_dealer_not_the_request(acme, beta):
    """A task has no request: the link names the dealer whose schema it runs in."""
    from portal.lib.urls import absolute_url

    assert absolute_url("/x/") == f"http://acme.localhost:{PORT}/x/"
    assert absolute_url("/x/", dealer=beta.dealer) == f"http://beta.localhost:{PORT}/x/"
    connection.set_schema_to_public()
    assert absolute_url("/x/") == f"http://localhost:{PORT}/x/"
