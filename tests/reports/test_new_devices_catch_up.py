"""A discovery whose email was never queued (the broker was down when it finished) is emailed later by the
sweep, listing what it found new, or did not see, once."""

from datetime import timedelta

from django.core import mail
from django.utils import timezone

from agents.models import DirectiveResult
from meters.models import Device
from meters.services.ingest import result_interpret
from reports.services.discovery_diff import may_hold_news
from reports.services.notifications import discovery_emails_catch_up
from tests.meters.ingest_support import discovery_payload, hours_ago, new_agent, store_result
from tests.reports.test_notifications import send_all


def test_the_sweep_emails_a_discovery_whose_own_email_was_never_queued(acme, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    acme.dealer.notification_emails = ["service@acme.example"]
    acme.dealer.save()
    agent = new_agent()
    entries = (
        discovery_payload("konica_c250i", "10.6.9.1")["devices"] + discovery_payload("sharp", "10.6.9.2")["devices"]
    )
    result = store_result(agent, "discover", {"devices": entries})
    result_interpret(result=result)  # its on-commit notification never runs here: as if the broker were down
    later = timezone.now() + timedelta(minutes=5)

    assert discovery_emails_catch_up(now=timezone.now()) == 0, "its own queueing still has time"
    assert discovery_emails_catch_up(now=later) == 1
    assert discovery_emails_catch_up(now=later) == 0, "once queued, never again"
    send_all()

    (message,) = mail.outbox
    assert "2 new devices at" in message.subject
    for device in Device.objects.filter(site=agent.site):
        assert device.serial in message.body
    assert DirectiveResult.objects.get(pk=result.pk).status == "interpreted"


def test_the_sweep_emails_a_discovery_whose_only_news_is_a_printer_not_seen(acme, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    acme.dealer.notification_emails = ["service@acme.example"]
    acme.dealer.save()
    agent = new_agent()
    agent.networks = ["10.6.10.0/24"]
    agent.save(update_fields=["networks"])
    both = (
        discovery_payload("konica_c250i", "10.6.10.1")["devices"] + discovery_payload("sharp", "10.6.10.2")["devices"]
    )
    result_interpret(result=store_result(agent, "discover", {"devices": both}, at=hours_ago(2)))
    result_interpret(result=store_result(agent, "discover", discovery_payload("konica_c250i", "10.6.10.1")))
    later = timezone.now() + timedelta(minutes=5)

    assert discovery_emails_catch_up(now=later) == 2, "the first found two printers; the second missed one"
    assert discovery_emails_catch_up(now=later) == 0
    send_all()

    subjects = sorted(message.subject for message in mail.outbox)
    assert subjects[0].startswith("Acme Copiers: 1 not seen at") and "2 new devices at" in subjects[1]
    sharp = Device.objects.get(site=agent.site, ip="10.6.10.2")
    (missing,) = [message for message in mail.outbox if "not seen" in message.subject]
    assert f"serial {sharp.serial}" in missing.body and "Konica" not in missing.body

    quiet = store_result(agent, "discover", discovery_payload("konica_c250i", "10.6.10.1"))
    result_interpret(result=quiet)
    assert not DirectiveResult.objects.filter(may_hold_news(), pk=quiet.pk).exists(), "not worked out every sweep"
    assert discovery_emails_catch_up(now=timezone.now() + timedelta(minutes=5)) == 0
