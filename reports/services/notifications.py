"""The discovery email (what changed at a site) and toner / service alert emails: one per new condition, one when
it clears."""

from datetime import timedelta

from django.db import connection
from django.db.models import CharField, Exists, OuterRef, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from agents.choices import DirectiveKind, ResultStatus
from agents.models import DirectiveResult
from meters.choices import SUPPLY_LOW_PREFIX, TONER_CODES
from meters.models import Alert, Device
from portal.lib.ids import is_uuid
from portal.lib.urls import absolute_url
from reports.choices import EmailKind
from reports.models import OutboundEmail
from reports.services.discovery_diff import DiscoveryDiff, discovery_diff, may_hold_news
from reports.services.emails import email_queue, render_email

SERVICE_CODES = {"service_requested", "overdue_preventive_maintenance"}
NEW_DEVICES_CATCH_UP_WINDOW = timedelta(days=1)
NEW_DEVICES_CATCH_UP_GRACE = timedelta(minutes=2)  # the discovery's own queueing runs right after its commit


def _dealer_context() -> dict:
    dealer = connection.tenant
    return {
        "dealer_name": dealer.name,
        "dealer_email": dealer.reply_to_email or None,
        "dealer_phone": dealer.phone or None,
    }


def discovery_notify(*, result_id: str) -> bool:
    """After a discovery: one email to the dealer with what changed at the site (new printers in yellow, moved,
    swapped, not seen), none when nothing did. Its key keeps it to one whichever copy of the task runs."""
    recipients = list(connection.tenant.notification_emails)
    key = f"new-devices:{result_id}"
    if not recipients or not is_uuid(result_id) or OutboundEmail.objects.filter(dedupe_key=key).exists():
        return False
    result = (
        DirectiveResult.objects.filter(public_id=result_id, directive__kind=DirectiveKind.DISCOVER)
        .select_related("directive__site__customer", "agent")
        .first()
    )
    if result is None:
        return False
    diff = discovery_diff(result=result)
    if not diff.changed:
        return False
    site = diff.site
    rendered = render_email("discovery_diff", _diff_context(diff), site.time_zone)
    email_queue(
        kind=EmailKind.NEW_DEVICES, dedupe_key=key, recipients=recipients, rendered=rendered, customer=site.customer
    )
    return True


def _diff_context(diff: DiscoveryDiff) -> dict:
    site = diff.site
    swapped = [
        {"ip": s.ip, "was": _device_dict(s.was), "now": _device_dict(s.now, is_new=True) if s.now else None}
        for s in diff.swapped
    ]
    moved = [{**_device_dict(m.device), "was": m.was, "now": m.now} for m in diff.moved]
    not_seen = [{**_device_dict(d), "last_seen_at": d.last_seen_at} for d in diff.not_seen]
    return {
        **_dealer_context(),
        "customer_name": site.customer.name,
        "site_name": site.name,
        "discovered_at": diff.at,
        "new": [_device_dict(d, is_new=True) for d in diff.new],
        "moved": moved,
        "swapped": swapped,
        "not_seen": not_seen,
        "not_scanned": diff.not_scanned,
        "summary": _summary(diff),
        "portal_url": absolute_url(f"/sites/{site.public_id}/"),
    }


def _summary(diff: DiscoveryDiff) -> list[str]:
    """["2 new devices", "1 moved", "1 serial changed", "1 not seen"], without the kinds that did not happen."""
    counts = [
        (len(diff.new), "new device", "new devices"),
        (len(diff.moved), "moved", "moved"),
        (len(diff.swapped), "serial changed", "serials changed"),
        (len(diff.not_seen), "not seen", "not seen"),
    ]
    return [f"{count} {one if count == 1 else many}" for count, one, many in counts if count]


def discovery_emails_catch_up(*, now=None) -> int:
    """Beat: the email of a discovery whose own queueing was lost (the broker was down when its interpretation
    committed). Only discoveries that may hold news are worked out again; the email's key keeps each to one."""
    if not connection.tenant.notification_emails:
        return 0
    now = now or timezone.now()
    emailed = OutboundEmail.objects.filter(
        dedupe_key=Concat(Value("new-devices:"), Cast(OuterRef("public_id"), CharField()))
    )
    recent = DirectiveResult.objects.filter(
        may_hold_news(),
        directive__kind=DirectiveKind.DISCOVER,
        status=ResultStatus.INTERPRETED,
        interpreted_at__range=(now - NEW_DEVICES_CATCH_UP_WINDOW, now - NEW_DEVICES_CATCH_UP_GRACE),
    ).exclude(Exists(emailed))
    return sum(discovery_notify(result_id=str(rid)) for rid in recent.values_list("public_id", flat=True))


new_devices_catch_up = discovery_emails_catch_up  # its name before it covered more than new printers (fault suite)


def _device_dict(device: Device, is_new: bool = False) -> dict:
    return {
        "manufacturer": device.manufacturer,
        "model": device.model,
        "serial": device.serial,
        "ip": device.ip,
        "location": device.location,
        "is_new": is_new,
    }


def alert_kind(code: str) -> str | None:
    if code.startswith(SUPPLY_LOW_PREFIX) or code in TONER_CODES:
        return "toner"
    return "service" if code in SERVICE_CODES else None


def alerts_notify(*, now=None) -> int:
    """Emails each new toner/service condition once, and once more when it clears. Others are marked seen.

    A printer often says "toner low" three ways at once (a measured level under the dealer's threshold, the
    alert table, the low-toner error bit). The measured level names the colour and is the one emailed; the
    generic signals are emailed only for printers that give no level ("some remaining").
    """
    now = now or timezone.now()
    recipients = list(connection.tenant.notification_emails)
    sent = 0
    new = list(Alert.objects.filter(notified_at__isnull=True).select_related("device__site__customer"))
    covered = _devices_with_toner_news(new)
    for alert in new:
        if alert.code in TONER_CODES and alert.device_id in covered:
            Alert.objects.filter(pk=alert.pk).update(notified_at=now, cleared_notified_at=now)  # said by another
            continue
        sent += _notify(alert, recipients, cleared=False, now=now)
    cleared = Alert.objects.filter(
        notified_at__isnull=False, cleared_at__isnull=False, cleared_notified_at__isnull=True
    )
    for alert in cleared.select_related("device__site__customer"):
        sent += _notify(alert, recipients, cleared=True, now=now)
    return sent


def _devices_with_toner_news(new: list[Alert]) -> set[int]:
    """Devices whose toner is already told: a measured low level (new or open), or a toner email still open."""
    devices = {alert.device_id for alert in new}
    measured = Alert.objects.filter(device__in=devices, cleared_at__isnull=True, code__startswith=SUPPLY_LOW_PREFIX)
    told = Alert.objects.filter(
        device__in=devices, cleared_at__isnull=True, notified_at__isnull=False, code__in=TONER_CODES
    )
    return set(measured.values_list("device_id", flat=True)) | set(told.values_list("device_id", flat=True))


def _notify(alert: Alert, recipients: list[str], *, cleared: bool, now) -> int:
    field = "cleared_notified_at" if cleared else "notified_at"
    kind = alert_kind(alert.code)
    emailed = bool(kind and recipients and (cleared or alert.cleared_at is None))
    if emailed:
        _queue_alert_email(alert, kind, recipients, cleared)
    Alert.objects.filter(pk=alert.pk).update(**{field: now})
    if not cleared and alert.cleared_at is not None:  # came and went between two passes: nothing to clear
        Alert.objects.filter(pk=alert.pk).update(cleared_notified_at=now)
    return int(emailed)


def _queue_alert_email(alert: Alert, kind: str, recipients: list[str], cleared: bool) -> None:
    device = alert.device
    supply = device.supplies.filter(level_percent__isnull=False).order_by("level_percent").first()
    context = {
        **_dealer_context(),
        "condition": alert.description,
        "kind": kind,
        "cleared": cleared,
        "detail": None,
        "supply": supply.description if kind == "toner" and supply else None,
        "level_percent": round(supply.level_percent) if kind == "toner" and supply else None,
        "threshold_percent": connection.tenant.toner_alert_percent if kind == "toner" else None,
        "raised_at": alert.first_seen_at,
        "cleared_at": alert.cleared_at,
        "device": _device_dict(device),
        "customer_name": device.site.customer.name,
        "site_name": device.site.name,
        "portal_url": absolute_url(f"/devices/{device.public_id}/"),
    }
    rendered = render_email("alert", context, device.site.time_zone)
    email_kind = EmailKind.ALERT_CLEARED if cleared else EmailKind.ALERT
    email_queue(
        kind=email_kind,
        dedupe_key=f"{email_kind}:{alert.public_id}",
        recipients=recipients,
        rendered=rendered,
        customer=device.site.customer,
    )
