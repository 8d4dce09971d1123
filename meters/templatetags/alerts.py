"""What is wrong with a device, in words with a severity badge (meters.alert_texts)."""

from django import template

from meters import alert_texts as texts

register = template.Library()


@register.filter
def alert_texts(alerts) -> list[texts.AlertText]:
    """A device's open alerts as texts, most severe first: `{% for a in device.open_alerts|alert_texts %}`."""
    return texts.alert_texts(alerts or [])


@register.filter
def alert_text(alert) -> texts.AlertText:
    """One stored alert in the same words and severity: the device page lists each, open or cleared, with dates."""
    return texts.alert_text(
        code=alert.code, description=alert.description, source=alert.source, severity=alert.severity
    )
