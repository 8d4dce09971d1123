"""The device page's SNMP test area: the credential on record, the last "Test" and whether one is running."""

from django import template

from agents.services.credentials import credential_title, test_outcome
from meters.models import Device
from meters.services.credential_tests import device_testing

register = template.Library()


def device_test_context(device: Device) -> dict:
    return {
        "device": device,
        "testing": device_testing(device),
        "outcome": test_outcome(device.last_test),
        "on_record": credential_title(device.credential) if device.credential_id else "",
    }


@register.inclusion_tag("meters/_device_test.html", takes_context=True)
def device_test_panel(context, device: Device) -> dict:
    return {**device_test_context(device), "user": context.get("user"), "csrf_token": context.get("csrf_token")}
