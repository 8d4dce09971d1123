"""The device page's "Meter reading from the customer" panel: the link waiting for an answer, the action that
sends one, and a note when the latest meters were typed in by the customer."""

from django import template

from meters.models import Device
from meters.services.manual_reads import entered_by
from meters.services.reading_requests import LINK_DAYS, device_needs_reading, reading_request_latest
from reports.readings.forms import ReadingRequestForm
from reports.readings.services import default_recipients

register = template.Library()


@register.inclusion_tag("reports/readings/_device_panel.html", takes_context=True)
def customer_reading_panel(context, device: Device) -> dict:
    """Shown for a device that needs a reading (stale, or none this month), has a link out, or whose latest
    meters were entered; the action for admins and technicians only. Uses the page's `latest` read and `user`."""
    user, latest = context.get("user"), context.get("latest")
    last_request = reading_request_latest(device=device)
    state = last_request.state if last_request else None
    needs = device.is_monitored and device_needs_reading(device=device)
    held = last_request if state == "used" and last_request.read and last_request.read.is_flagged else None
    entered = latest if latest is not None and entered_by(latest) is not None else None
    can_ask = bool(user and user.can_edit) and device.is_monitored and (needs or state == "open")
    pending = last_request if state == "open" else None
    expired = last_request if state == "expired" and needs else None
    form = ReadingRequestForm(initial={"recipients": ", ".join(default_recipients(device.site.customer))})
    return {
        "show": bool(entered or held or pending or expired or can_ask),
        "device": device,
        "tz": device.site.time_zone,
        "user": user,
        "csrf_token": context.get("csrf_token"),
        "entered": entered,
        "entered_by": entered_by(entered) if entered else None,
        "held": held,
        "pending": pending,
        "expired": expired,
        "can_ask": can_ask,
        "form": form,
        "link_days": LINK_DAYS,
    }
