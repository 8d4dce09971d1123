"""The daily pass: no read for 7 days makes a device stale; after 42 days it leaves reports (history stays)."""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from meters.choices import RETIRED_AFTER_DAYS, STALE_AFTER_DAYS, EventKind, Lifecycle
from meters.models import Device, DeviceEvent


def devices_update_lifecycle(*, now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    retired = _move(
        Q(lifecycle__in=[Lifecycle.ACTIVE, Lifecycle.STALE]),
        now - timedelta(days=RETIRED_AFTER_DAYS),
        Lifecycle.RETIRED,
        EventKind.RETIRED,
        now,
    )
    stale = _move(
        Q(lifecycle=Lifecycle.ACTIVE), now - timedelta(days=STALE_AFTER_DAYS), Lifecycle.STALE, EventKind.STALE, now
    )
    return {"stale": stale, "retired": retired}


@transaction.atomic
def _move(current: Q, cutoff: datetime, to: str, event: str, now: datetime) -> int:
    # A device never read counts from its first sighting. The rows are locked while they are chosen and moved,
    # so a read that lands in between waits, and then finds the device's new state (it brings it back).
    silent = Q(last_read_at__lt=cutoff) | Q(last_read_at__isnull=True, first_seen_at__lt=cutoff)
    ids = list(Device.objects.select_for_update().filter(current, silent).values_list("pk", flat=True))
    if ids:
        Device.objects.filter(pk__in=ids).update(lifecycle=to)
        DeviceEvent.objects.bulk_create(DeviceEvent(device_id=pk, kind=event, at=now) for pk in ids)
    return len(ids)
