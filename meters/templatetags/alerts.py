"""What is wrong with a device, in words with a severity badge (meters.alert_texts)."""

from django import template

from meters import alert_texts as texts

register = template.Library()


@register.filter
def alert_texts(alerts) -> list[texts.AlertText]:
    """A device's open alerts as texts, most severe first: `{% for a in device.open_alerts|alert_texts %}`."""
    return texts.alert_texts(alerts or [])
