"""After each discovery the dealer gets one email of what changed at the site: printers new (yellow), moved to
another address, swapped at an address, and not seen; none when nothing changed, and one only, however often
its task is delivered."""

import re
from pathlib import Path

from django.core import mail
from django_tenants.utils import tenant_context

from agents.models import Directive, DirectiveResult
from agents.services.results import result_queue
from meters.models import Device
from meters.services.ingest import result_interpret
from reports.models import OutboundEmail
from reports.services.notifications import discovery_notify
from tests.faults.stack import fleet_discovery, unique
from tests.meters.ingest_support import discovery_payload, hours_ago, new_agent, store_result
from tests.reports.mail_files import sent_messages
from tests.reports.test_notifications import send_all
from tests.support.factories import make_site
from tests.support.waiting import wait_until

NOTIFY_TASK = "reports.tasks.notify_new_devices"


def _dealer_notified(acme) -> None:
    acme.dealer.notification_emails = ["service@acme.example"]
    acme.dealer.save()


def _agent(networks: list[str]):
    agent = new_agent()
    agent.networks = networks  # its heartbeat's: what an empty target list scans
    agent.save(update_fields=["networks"])
    return agent


def _discovery(agent, *found: tuple[str, str], hours: float = 0, targets: list[str] | None = None, exclude=()):
    """A discovery that found these (recording, address) printers, interpreted; its email task then runs."""
    entries = [entry for recording, ip in found for entry in discovery_payload(recording, ip)["devices"]]
    result = store_result(agent, "discover", {"devices": entries}, at=hours_ago(hours) if hours else None)
    if targets is not None:
        params = {"targets": targets, "exclude": list(exclude)}
        Directive.objects.filter(pk=result.directive_id).update(params=params)
        result.directive.refresh_from_db()
    result_interpret(result=result)
    discovery_notify(result_id=str(result.public_id))
    return result


def _emails() -> list:
    mail.outbox = []
    send_all()
    return list(mail.outbox)


def _section(text: str, marker: str) -> str:
    """The lines of one section of the text email, by its marker."""
    return "\n".join(line for line in text.splitlines() if line.startswith(marker) or line.startswith("    "))


def test_a_printer_at_another_address_is_listed_as_moved_from_and_to(acme, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    _dealer_notified(acme)
    agent = _agent(["10.8.1.0/24"])
    _discovery(agent, ("konica_c250i", "10.8.1.5"), hours=2)
    _emails()
    _discovery(agent, ("konica_c250i", "10.8.1.77"))

    (message,) = _emails()
    device = Device.objects.get(site=agent.site)
    assert "1 moved" in message.subject and "new" not in message.subject and "not seen" not in message.subject
    assert "> MOVED TO ANOTHER ADDRESS (1)" in message.body
    assert f"> {device.manufacturer} {device.model}, serial {device.serial}" in message.body
    assert "Was: 10.8.1.5   Now: 10.8.1.77" in message.body
    html = message.alternatives[0][0]
    assert "MOVED" in html and "10.8.1.5" in html and "10.8.1.77" in html and "#ffff00" not in html


def test_a_swapped_printer_is_one_serial_change_at_its_address_not_a_new_one_and_a_missing_one(acme, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    _dealer_notified(acme)
    agent = _agent(["10.8.2.0/24"])
    _discovery(agent, ("konica_c250i", "10.8.2.5"), hours=2)
    old = Device.objects.get(site=agent.site)
    _emails()
    _discovery(agent, ("sharp", "10.8.2.5"))

    (message,) = _emails()
    new = Device.objects.get(site=agent.site, ip="10.8.2.5", first_seen_at__gt=old.first_seen_at)
    assert new.serial != old.serial
    assert "1 serial changed" in message.subject
    assert "new device" not in message.subject and "not seen" not in message.subject
    swap = _section(message.body.split("~ SERIAL CHANGED")[1], "~")
    assert "~ 10.8.2.5" in swap and f"Was: {old.manufacturer} {old.model}, serial {old.serial}" in swap
    assert f"Now: {new.manufacturer} {new.model}, serial {new.serial}" in swap
    assert "NEW DEVICES" not in message.body and "NOT SEEN" not in message.body
    html = message.alternatives[0][0]
    yellow = re.findall(r"<td[^>]*background:#ffff00;[^>]*>(.*?)</td>", html, re.S)
    assert len(yellow) == 1 and new.serial in yellow[0] and "(new)" in yellow[0]  # the newcomer, in yellow


def test_new_printers_are_listed_in_yellow_and_the_one_that_stopped_answering_is_not_seen_once(acme, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    _dealer_notified(acme)
    agent = _agent(["10.8.3.0/24"])
    _discovery(agent, ("konica_c250i", "10.8.3.5"), ("sharp", "10.8.3.6"), hours=3)
    (first,) = _emails()
    assert "2 new devices" in first.subject and "+ NEW DEVICES (2)" in first.body
    html = first.alternatives[0][0]
    rows = re.findall(r"<tr[^>]*>\s*<td.*?</tr>", html, re.S)
    assert len([row for row in rows if "background:#ffff00" in row.split(">", 1)[0]]) == 2

    _discovery(agent, ("konica_c250i", "10.8.3.5"), hours=2)
    (message,) = _emails()
    sharp = Device.objects.get(site=agent.site, ip="10.8.3.6")
    assert message.subject.startswith("Acme Copiers: 1 not seen at ")
    assert "- NOT SEEN (1)" in message.body and f"serial {sharp.serial}" in message.body
    assert "Last IP: 10.8.3.6" in message.body and "NEW DEVICES" not in message.body

    _discovery(agent, ("konica_c250i", "10.8.3.5"), hours=1)
    assert _emails() == [], "still silent is no news: told once"


def test_a_printer_outside_the_scanned_targets_is_not_scanned_rather_than_not_seen(acme, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    _dealer_notified(acme)
    agent = _agent(["10.8.4.0/24"])
    _discovery(agent, ("konica_c250i", "10.8.4.5"), ("sharp", "10.8.4.200"), hours=2)
    _emails()

    _discovery(agent, ("konica_c250i", "10.8.4.5"), targets=["10.8.4.0/24"], exclude=["10.8.4.128/25"])
    assert _emails() == [], "the printer at .200 was never to be asked: nothing changed"

    result = _discovery(agent, hours=0, targets=["10.8.4.1-99"])  # the short range form; .5 does not answer
    (message,) = _emails()
    assert "1 not seen" in message.subject and "Last IP: 10.8.4.5" in message.body
    assert "10.8.4.200" not in message.body
    assert "1 other monitored device lies outside the addresses this discovery scanned" in message.body
    assert OutboundEmail.objects.filter(dedupe_key=f"new-devices:{result.public_id}").count() == 1


def test_a_discovery_the_agent_refused_outside_the_scan_window_reports_nothing_not_seen(acme, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    _dealer_notified(acme)
    agent = _agent(["10.8.6.0/24"])
    _discovery(agent, ("konica_c250i", "10.8.6.5"), ("sharp", "10.8.6.6"), hours=2)
    _emails()
    refused = {
        "devices": [],
        "addresses_scanned": 0,
        "networks": ["10.8.6.0/24"],
        "errors": [{"target": "", "code": "outside_window", "message": "outside 18:00-08:00"}],
    }
    result = store_result(agent, "discover", refused)
    result_interpret(result=result)
    discovery_notify(result_id=str(result.public_id))
    assert _emails() == [], "a scan that did not run saw no printer go"


def test_a_discovery_that_changed_nothing_sends_no_email(acme, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    _dealer_notified(acme)
    agent = _agent(["10.8.5.0/24"])
    _discovery(agent, ("konica_c250i", "10.8.5.5"), ("sharp", "10.8.5.6"), hours=2)
    assert len(_emails()) == 1
    result = _discovery(agent, ("sharp", "10.8.5.6"), ("konica_c250i", "10.8.5.5"))
    assert _emails() == [] and not OutboundEmail.objects.filter(dedupe_key=f"new-devices:{result.public_id}")


def test_the_email_is_sent_once_when_its_task_is_delivered_twice(committed, celery_worker, live_env):
    acme = committed["acme"]
    customer = unique("Diff Once ")
    mails = Path(live_env["EMAIL_FILE_PATH"])
    dealers = type(acme.dealer).objects.filter(pk=acme.dealer.pk)
    before = acme.dealer.notification_emails
    dealers.update(notification_emails=["service@acme.example"])
    try:
        with tenant_context(acme.dealer):
            agent = new_agent(site=make_site(customer_name=customer))
            result = store_result(agent, "discover", fleet_discovery(2, unique("DD"), "10.94"))
            assert result_queue(result)  # the worker interprets it and queues its email, as in production
            key = f"new-devices:{result.public_id}"
            wait_until(lambda: OutboundEmail.objects.filter(dedupe_key=key, status="sent").exists(), timeout=60)
            # Delivered again: the form queued before this change (with the new printers' ids), and the new one.
            ids = [str(pk) for pk in Device.objects.filter(site=agent.site).values_list("public_id", flat=True)]
            assert celery_worker.send_task(NOTIFY_TASK, args=[str(result.public_id), ids]).get(timeout=30) is False
            assert celery_worker.send_task(NOTIFY_TASK, args=[str(result.public_id)]).get(timeout=30) is False
            assert OutboundEmail.objects.filter(dedupe_key=key).count() == 1
            assert DirectiveResult.objects.get(pk=result.pk).status == "interpreted"
    finally:
        dealers.update(notification_emails=before)
    (message,) = [m for m in sent_messages(mails) if customer in str(m["Subject"])]
    assert "2 new devices" in str(message["Subject"])
