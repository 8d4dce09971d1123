"""New-device and toner/service alert emails: one per new condition, one when it clears, none per poll."""

from django.core import mail

from meters.models import Alert
from meters.services.ingest import result_interpret
from reports.models import OutboundEmail
from reports.services.emails import email_send
from reports.services.notifications import alerts_notify, discovery_notify
from tests.meters.ingest_support import discover, discovery_payload, hours_ago, new_agent, read, set_value, store_result
from tests.support.snmprec import load_recording

LEVEL, CAPACITY = "1.3.6.1.2.1.43.11.1.1.9.1.1", "1.3.6.1.2.1.43.11.1.1.8.1.1"
ERROR_STATE = "1.3.6.1.2.1.25.3.5.1.2.1"


def first_supply_at(recording: str, fraction: float):
    capacity = next(vb[2] for vb in load_recording(recording) if vb[0] == CAPACITY)
    return set_value(LEVEL, int(capacity * fraction))


def send_all() -> None:
    for email in OutboundEmail.objects.filter(status="pending"):
        email_send(email_id=email.public_id)


def test_a_discovery_that_finds_new_devices_emails_them_highlighted(acme, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    acme.dealer.notification_emails = ["service@acme.example"]
    acme.dealer.save()
    agent = new_agent()
    result = store_result(agent, "discover", discovery_payload("konica_c250i", "10.6.0.1"))
    result_interpret(result=result)
    assert discovery_notify(result_id=str(result.public_id))
    assert not discovery_notify(result_id=str(result.public_id))  # the task ran twice
    send_all()
    (message,) = mail.outbox
    device = agent.site.devices.get()
    assert message.to == ["service@acme.example"]
    assert "1 new device at" in message.subject and f"+ {device.manufacturer} {device.model}" in message.body
    html = message.alternatives[0][0]
    assert device.serial in html and "#ffff00" in html.lower()


def test_low_toner_emails_once_then_once_more_when_it_clears(acme, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    acme.dealer.notification_emails = ["service@acme.example"]
    acme.dealer.toner_alert_percent = 15
    acme.dealer.save()
    agent = new_agent()
    device = discover(agent, "konica_c250i", "10.6.0.2")
    for hours in (5, 4, 3):  # three polls see the same low toner
        read(agent, device, "konica_c250i", at=hours_ago(hours), edit=first_supply_at("konica_c250i", 0.10))
        alerts_notify()
    send_all()
    toner = [m for m in mail.outbox if "toner" in m.subject.lower()]
    assert len(toner) == 1 and "low" in toner[0].subject and device.serial in toner[0].subject
    alert = Alert.objects.get(device=device, code__startswith="supply_low:")
    assert alert.cleared_at is None
    read(agent, device, "konica_c250i", at=hours_ago(1), edit=first_supply_at("konica_c250i", 1.0))
    alerts_notify()
    alerts_notify()
    send_all()
    alert.refresh_from_db()
    assert alert.cleared_at is not None
    toner = [m for m in mail.outbox if "toner" in m.subject.lower()]
    assert [m.subject.startswith("Acme Copiers: Cleared:") for m in toner] == [False, True]


def test_a_reading_of_some_remaining_never_raises_a_toner_alert(acme):
    agent = new_agent()
    device = discover(agent, "konica_c250i", "10.6.0.3")
    read(agent, device, "konica_c250i", edit=set_value(LEVEL, -3))
    assert not Alert.objects.filter(device=device, code__startswith="supply_low:").exists()


def test_one_low_toner_said_three_ways_is_one_email(acme, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    acme.dealer.notification_emails = ["service@acme.example"]
    acme.dealer.save()
    agent = new_agent()
    device = discover(agent, "konica_c250i", "10.6.0.4")
    low_level = first_supply_at("konica_c250i", 0.05)

    def low_everywhere(vb):
        vb = low_level(vb)
        if vb[0] == ERROR_STATE:
            vb[1], vb[2] = "hex", "20"  # hrPrinterDetectedErrorState: lowToner (bit 2)
        return vb

    read(agent, device, "konica_c250i", edit=low_everywhere)
    codes = set(Alert.objects.filter(device=device).values_list("code", flat=True))
    assert "low_toner" in codes and any(code.startswith("supply_low:") for code in codes)
    alerts_notify()
    send_all()
    toner = [m for m in mail.outbox if "toner" in m.subject.lower()]
    assert len(toner) == 1 and "%" in toner[0].subject
