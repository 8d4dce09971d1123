from datetime import UTC

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django_tenants.utils import tenant_context

from meters.models import Device
from meters.services.rederive import devices_rederive
from portal.dealers.selectors import dealer_by_code
from portal.lib.ids import is_uuid


class Command(BaseCommand):
    help = (
        "Re-derive a dealer's stored meter reads from their raw results (after a profile improves): billing "
        "meters, offsets, flags, monthly rollups and latest counts, in place. Prints what changed per device. "
        "Safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dealer", required=True, help="the dealer's code")
        parser.add_argument("--site", help="only the devices of this site (its id)")
        parser.add_argument("--device", help="only this device (its id or serial)")
        parser.add_argument("--profile", help="only devices read with this vendor profile (e.g. konica)")
        parser.add_argument("--since", help="only reads taken on or after this date (YYYY-MM-DD)")

    def handle(self, *args, dealer, site, device, profile, since, **options):
        tenant = dealer_by_code(code=dealer)
        if tenant is None:
            raise CommandError(f"No active dealer with the code '{dealer}'.")
        since_at = _since(since) if since else None
        with tenant_context(tenant):
            devices = _devices(site=site, device=device, profile=profile)
            outcome = devices_rederive(devices=devices.iterator(chunk_size=500), since=since_at)
        for change in outcome.devices:
            if change.changed:
                self.stdout.write(change.text())
            if change.errors:
                self.stdout.write(f"{change.serial or change.public_id}: {len(change.errors)} reads not re-derived")
            for error in change.errors[:5]:
                self.stdout.write(f"  {error}")
        errors = sum(len(change.errors) for change in outcome.devices)
        self.stdout.write(
            f"Re-interpreted {len(outcome.devices)} devices: {outcome.reads} meter reads re-derived, "
            f"{outcome.reads_changed} changed on {len(outcome.changed)} devices, {errors} errors."
        )


def _devices(*, site: str | None, device: str | None, profile: str | None):
    devices = Device.objects.order_by("pk")
    if site:
        if not is_uuid(site):
            raise CommandError(f"--site wants a site id (a UUID), not '{site}'.")
        devices = devices.filter(site__public_id=site)
    if device:
        devices = devices.filter(public_id=device) if is_uuid(device) else devices.filter(serial__iexact=device)
    if profile:
        devices = devices.filter(profile=profile)
    return devices


def _since(text: str):
    """A date (midnight UTC) or a full timestamp."""
    try:
        stamp = parse_datetime(text) or parse_datetime(f"{parse_date(text)}T00:00:00")
    except (TypeError, ValueError):
        stamp = None
    if stamp is None:
        raise CommandError(f"--since wants a date like 2026-11-01, not '{text}'.")
    return stamp if timezone.is_aware(stamp) else timezone.make_aware(stamp, UTC)
