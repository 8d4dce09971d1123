"""One-time links that ask a customer for a device's meters when its agent is not reading it.

The link carries a random token; only its SHA-256 is stored (as licence keys' secrets are), so the email is the
one copy. A link expires after LINK_DAYS, is used once, and a new one for the same device cancels the old.
Emails and pages are the reports app's (reports.readings): this module only keeps the rows.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from meters.choices import STALE_AFTER_DAYS
from meters.models import Device, MeterRead, ReadingRequest
from meters.services.manual_reads import EnteredCheck, entered_read_check, entered_read_store, last_good_read
from portal.lib.credentials import hash_secret

LINK_DAYS = 7
TOKEN_BYTES = 32  # 256 random bits: a link cannot be guessed, so looking it up by its hash is enough
MAX_TOKEN_LENGTH = 100


class LinkGone(Exception):
    """The link was used, cancelled or has expired (between showing the form and submitting it, say)."""

    def __init__(self, state: str):
        super().__init__(state)
        self.state = state


@dataclass(frozen=True)
class Fulfilled:
    check: EnteredCheck
    read: MeterRead | None  # None when the check refused a meter: the link stays open for another try
    previous: MeterRead | None  # the last good read before it, which the check compared with


def device_needs_reading(*, device: Device, now: datetime | None = None) -> bool:
    """Stale (no good read, the agent's or an entered one, for STALE_AFTER_DAYS), or none yet in the current
    month in the site's zone (the billing period). The lifecycle alone would not do: an entered read leaves a
    stale device stale, as its agent still does not read it, but it needs no reading."""
    if device.last_read_at is None:
        return True
    now = now or timezone.now()
    month_start = timezone.localtime(now, device.site.tzinfo).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return device.last_read_at < max(month_start, now - timedelta(days=STALE_AFTER_DAYS))


def reading_request_create(*, device: Device, recipients: list[str], by: str, now: datetime | None = None):
    """A new link for the device (its open one, if any, is cancelled). Returns (row, token): the token is the
    only copy, for the email."""
    now = now or timezone.now()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with transaction.atomic():
        open_requests = ReadingRequest.objects.filter(device=device, used_at__isnull=True, cancelled_at__isnull=True)
        open_requests.update(cancelled_at=now, cancelled_by=by)
        request = ReadingRequest.objects.create(
            device=device,
            token_hash=hash_secret(token),
            sent_to=recipients,
            requested_by=by,
            created_at=now,
            expires_at=now + timedelta(days=LINK_DAYS),
        )
    return request, token


def reading_request_cancel(*, request: ReadingRequest, by: str, now: datetime | None = None) -> bool:
    """Cancels an unused link; False when it was already used or cancelled."""
    cancelled = ReadingRequest.objects.filter(pk=request.pk, used_at__isnull=True, cancelled_at__isnull=True).update(
        cancelled_at=now or timezone.now(), cancelled_by=by
    )
    request.refresh_from_db()
    return bool(cancelled)


def reading_request_by_token(*, token: str) -> ReadingRequest | None:
    """The request behind a link, in this dealer's schema only (another dealer's token is simply not here)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    requests = ReadingRequest.objects.select_related("device__site__customer", "read")
    return requests.filter(token_hash=hash_secret(token)).first()


def reading_request_latest(*, device: Device) -> ReadingRequest | None:
    return device.reading_requests.select_related("read").order_by("-created_at").first()


@transaction.atomic
def reading_request_fulfil(
    *, request: ReadingRequest, entered: dict[str, int], entered_by: str, now: datetime | None = None
) -> Fulfilled:
    """Stores what the customer typed in and uses the link up, unless a meter is below the last good read.
    Raises LinkGone when the link is no longer open: the row is locked, so two submissions store one read."""
    now = now or timezone.now()
    locked = ReadingRequest.objects.select_for_update().get(pk=request.pk)
    if locked.state != "open":
        raise LinkGone(locked.state)
    device = Device.objects.select_for_update(of=("self",)).select_related("site").get(pk=request.device_id)
    previous = last_good_read(device=device)
    check = entered_read_check(device=device, entered=entered, last=previous, at=now)
    if check.too_low:
        return Fulfilled(check, None, previous)
    read = entered_read_store(device=device, check=check, entered_by=entered_by, at=now)
    locked.used_at, locked.entered_by, locked.read = now, entered_by, read
    locked.save(update_fields=["used_at", "entered_by", "read"])
    return Fulfilled(check, read, previous)
