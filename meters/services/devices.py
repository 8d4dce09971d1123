"""Device identity and lifecycle: one row per physical printer, whatever its address or site."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from agents.models import Site
from meters.choices import EventKind
from meters.interpret import Identity
from meters.models import Device, DeviceEvent
from meters.services.rollups import customer_months_rebuild

IDENTITY_FIELDS = ("manufacturer", "model", "hostname", "location", "contact", "firmware", "sys_object_id", "sys_descr")


@dataclass(frozen=True)
class Sighting:
    """A device as one discovery or read saw it."""

    site: Site
    identity: Identity
    ip: str | None
    port: int
    profile: str
    credential_id: int | None
    at: datetime
    result_id: str | None = None  # the discovery that saw it: its events carry it, for that discovery's email


def identity_key(identity: Identity, *, site: Site, ip: str | None) -> str:
    """Serial first; a device without one is its MAC; one with neither is its address at the site."""
    if identity.serial:
        return f"sn:{identity.serial.strip().upper()}"
    if identity.mac:
        return f"mac:{identity.mac.lower()}"
    return f"ip:{site.pk}:{ip}"


@transaction.atomic
def device_sighted(sighting: Sighting) -> tuple[Device, bool]:
    """Creates or updates the device seen; records new / moved / address events. Returns (device, is_new)."""
    key = identity_key(sighting.identity, site=sighting.site, ip=sighting.ip)
    device = Device.objects.select_for_update().filter(identity_key=key).first()
    if device is None:
        device = _create(sighting, key)
        return device, True
    _note_changes(device, sighting)
    customer_before = device.site.customer_id
    _apply(device, sighting)
    device.save()
    if customer_before != sighting.site.customer_id:  # its pages now count for the other customer
        customer_months_rebuild([customer_before, sighting.site.customer_id])
    return device, False


def _create(sighting: Sighting, key: str) -> Device:
    device = Device(identity_key=key, site=sighting.site, first_seen_at=sighting.at)
    _apply(device, sighting)
    device.save()
    _event(device, EventKind.NEW, sighting, {"ip": sighting.ip})
    _note_swapped_out(device, sighting)
    return device


def _event(device: Device, kind: str, sighting: Sighting, details: dict) -> None:
    """The discovery's result id goes with every change it saw: its email lists them (reports' notifications)."""
    if sighting.result_id:
        details = {**details, "result": sighting.result_id}
    DeviceEvent.objects.create(device=device, kind=kind, at=sighting.at, details=details)


def _note_swapped_out(device: Device, sighting: Sighting) -> None:
    """A new serial at an address where the site had a printer with another serial: that printer was swapped
    for this one (not merely silent), whether a discovery or a read saw it first."""
    serial = (sighting.identity.serial or "").strip().upper()
    if not serial or not sighting.ip:
        return
    others = Device.objects.filter(site=sighting.site, ip=sighting.ip).exclude(pk=device.pk).exclude(serial="")
    for old in others:
        if old.serial.strip().upper() != serial:
            details = {"ip": sighting.ip, "now_serial": sighting.identity.serial, "device": str(device.public_id)}
            _event(old, EventKind.REPLACED, sighting, details)


def _note_changes(device: Device, sighting: Sighting) -> None:
    if device.site_id != sighting.site.pk:
        details = {"from_site": str(device.site.public_id), "to_site": str(sighting.site.public_id)}
        _event(device, EventKind.MOVED, sighting, details)
    elif sighting.ip and device.ip and device.ip != sighting.ip:
        _event(device, EventKind.ADDRESS, sighting, {"from": device.ip, "to": sighting.ip})


def _apply(device: Device, sighting: Sighting) -> None:
    identity = sighting.identity
    device.site = sighting.site
    device.serial = identity.serial or device.serial
    device.mac = identity.mac or device.mac
    for field in IDENTITY_FIELDS:
        value = getattr(identity, field)
        if value:
            setattr(device, field, str(value)[: Device._meta.get_field(field).max_length or 10_000])
    device.profile = sighting.profile or device.profile
    device.ip = sighting.ip or device.ip
    device.port = sighting.port
    device.credential_id = sighting.credential_id or device.credential_id
    device.last_seen_at = max(filter(None, [device.last_seen_at, sighting.at]))


@transaction.atomic
def device_delete(*, device: Device) -> None:
    """Removes a device and its history; its customer's monthly pages no longer count it (meters.receivers)."""
    device.delete()


def device_set_monitored(*, device: Device, monitored: bool) -> Device:
    device.is_monitored = monitored
    device.save(update_fields=["is_monitored"])
    return device


def device_for_reading(device: Device, identity: Identity, profile: str, at: datetime) -> Device:
    """The device a read belongs to. A different serial at a known address is a different printer: its pages
    must never land on the old one's invoice, so the read goes to that printer (found or created)."""
    serial = (identity.serial or "").strip().upper()
    if serial and device.serial and serial != device.serial.strip().upper():
        sighting = Sighting(device.site, identity, device.ip, device.port, profile, device.credential_id, at)
        found, is_new = device_sighted(sighting)
        if not is_new:  # a printer known already (moved here); a new one's creation noted the swap itself
            details = {"ip": device.ip, "now_serial": identity.serial, "device": str(found.public_id)}
            DeviceEvent.objects.create(device=device, kind=EventKind.REPLACED, at=at, details=details)
        return found
    if serial and not device.serial:
        _rekey(device, identity)
    for field in ("hostname", "location", "contact", "firmware"):
        value = getattr(identity, field)
        if value:
            setattr(device, field, str(value)[: Device._meta.get_field(field).max_length])
    return device


def _rekey(device: Device, identity: Identity) -> None:
    """A device first known by MAC or address told us its serial: key it by serial, unless that is taken."""
    key = identity_key(identity, site=device.site, ip=device.ip)
    if not Device.objects.filter(identity_key=key).exclude(pk=device.pk).exists():
        device.identity_key, device.serial = key, identity.serial or ""
