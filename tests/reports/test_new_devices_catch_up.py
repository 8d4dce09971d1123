"""A discovery whose new-device email was never queued (the broker was down when it finished) is emailed
later by the sweep, listing every printer it found new, once."""

from datetime import timedelta

from django.core import mail
from django.utils import timezone

from agents.models import DirectiveResult
from meters.models import Device
from meters.services.ingest import result_interpret
from reports.services.notifications import new_devices_catch_up
from tests.meters.ingest_support import discovery_payload, new_agent, store_result
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

    assert new_devices_catch_up(now=timezone.now()) == 0, "its own queueing still has time"
    assert new_devices_catch_up(now=later) == 1
    assert new_devices_catch_up(now=later) == 0, "once queued, never again"
    send_all()

    (message,) = mail.outbox
    assert "2 new devices found" in message.subject
    for device in Device.objects.filter(site=agent.site):
        assert device.serial in message.body
    assert DirectiveResult.objects.get(pk=result.pk).status == "interpreted"
