"""Raw directive results in, fleet rows out. Called by the worker, and by `reinterpret` for stored results."""

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from agents.choices import DirectiveKind, ResultStatus
from agents.models import DirectiveResult
from agents.services.deltas import is_delta, whole_varbinds
from meters.interpret import identify, interpret
from meters.interpret.identity import read_identity
from meters.interpret.mapping import mapping_version
from meters.interpret.plan import SECTIONS_READ, SECTIONS_STATUS
from meters.interpret.printer_check import is_printer
from meters.interpret.varbinds import VarbindIndex
from meters.models import Device
from meters.selectors import ModelMappings
from meters.services.devices import Sighting, device_for_reading, device_sighted
from meters.services.plans import read_directive_request
from meters.services.reads import readings_record
from meters.services.steady import SteadyStates
from meters.services.steady_ingest import steady_ingest
from portal.celery import app as celery_app
from portal.lib.ids import is_uuid

log = logging.getLogger(__name__)
NOTIFY_NEW_DEVICES_TASK = "reports.tasks.notify_new_devices"
AGENT_CLOCK_SKEW = timedelta(minutes=5)  # an agent's clock may run this far behind the portal's


@dataclass
class IngestSummary:
    devices: int = 0
    new_devices: list[str] = field(default_factory=list)
    reads: int = 0
    errors: list[str] = field(default_factory=list)
    made_whole: int = 0  # changes-only entries interpreted in full, stored whole in the result
    printers: dict[str, str] = field(default_factory=dict)  # discovery: device id -> why it is a printer
    skipped: list[str] = field(default_factory=list)  # discovery: "<ip>: why it is not a printer"


def result_interpret(*, result: DirectiveResult, steady: bool = True) -> IngestSummary:
    """Interprets one stored result; per-device problems are recorded, never raised. `steady=False` interprets
    every read in full (re-interpretation after a profile changed)."""
    kind = result.directive.kind
    payload = result.payload if isinstance(result.payload, dict) else {}
    if kind == DirectiveKind.DISCOVER:
        summary = discovery_ingest(result, payload)
    else:
        summary = reads_ingest(result, payload, steady=steady)
    result.status = ResultStatus.INTERPRETED
    result.interpreted_at = timezone.now()
    result.error = "\n".join(summary.errors)[:5000]
    fields = ["status", "interpreted_at", "error"] + (["payload"] if summary.made_whole else [])
    result.save(update_fields=fields)
    return summary


def result_time(result: DirectiveResult, payload: dict) -> datetime:
    """When the agent read the devices (its finished_at), not when the upload arrived (it may be late), in UTC.
    An agent clock that cannot be right is not believed: the read was taken after its directive was created
    and before its upload arrived (a clock in 1970 or next year would move pages between months)."""
    stamp = parse_datetime(str(payload.get("finished_at") or ""))
    if stamp is None or stamp.tzinfo is None:
        return result.received_at
    if not result.directive.created_at - AGENT_CLOCK_SKEW <= stamp <= result.received_at:
        return result.received_at
    return stamp.astimezone(UTC)


def discovery_ingest(result: DirectiveResult, payload: dict) -> IngestSummary:
    summary = IngestSummary()
    site, at = result.directive.site, result_time(result, payload)
    credentials = set(site.snmp_credentials.values_list("pk", flat=True))
    for entry in _entries(payload, summary):
        index = VarbindIndex(entry.get("varbinds") if isinstance(entry.get("varbinds"), list) else [])
        printer, why = _printer_verdict(entry, index)
        log.debug("discovery %s: %s %s: %s", result.public_id, entry.get("ip"), "kept" if printer else "skipped", why)
        if not printer:
            summary.skipped.append(f"{entry.get('ip')}: {why}")
            continue
        try:
            device, is_new = device_sighted(_sighting(site, entry, index, at, credentials))
        except (TypeError, ValueError, KeyError) as exc:
            summary.errors.append(f"{entry.get('ip')}: {exc}")
            continue
        summary.devices += 1
        summary.printers[str(device.public_id)] = why
        if is_new:
            summary.new_devices.append(str(device.public_id))
    if summary.devices:
        # Meters for what was found, at once: a dealer should not wait for the next read window.
        transaction.on_commit(lambda: read_directive_request(site=site, requested_by="discovery"))
    if summary.new_devices:
        args = [str(result.public_id), summary.new_devices]
        transaction.on_commit(lambda: celery_app.send_task(NOTIFY_NEW_DEVICES_TASK, args=args))
    return summary


def _entries(payload: dict, summary: IngestSummary) -> list[dict]:
    entries = payload.get("devices") or []
    if not isinstance(entries, list):
        summary.errors.append("'devices' is not a list")
        return []
    return [entry for entry in entries if isinstance(entry, dict)]


def _printer_verdict(entry: dict, index: VarbindIndex) -> tuple[bool, str]:
    """The portal's own check of what the agent read, else the agent's word: older agents judge more narrowly
    (no 1284 device ID, no vendor sysObjectID), and one that sends no verdict at all is believed."""
    printer, why = is_printer(index)
    if not printer and entry.get("is_printer", True):
        return True, "the agent says it is a printer"
    return printer, why


def _sighting(site, entry: dict, index: VarbindIndex, at: datetime, credentials: set[int]) -> Sighting:
    profile = identify(index)
    identity = read_identity(index, profile, [])
    return Sighting(
        site=site, identity=identity, ip=entry.get("ip") or None, port=int(entry.get("port") or 161),
        profile=profile.name, credential_id=_credential_pk(entry.get("credential_id"), credentials), at=at,
    )  # fmt: skip


def _credential_pk(ident, credentials: set[int]) -> int | None:
    """The site credential the agent says answered; an id that is not one of the site's is ignored."""
    text = str(ident or "")
    pk = int(text[1:]) if text.startswith("c") and text[1:].isdigit() else None
    return pk if pk in credentials else None


def reads_ingest(result: DirectiveResult, payload: dict, *, steady: bool = True) -> IngestSummary:
    """Interprets every device of the upload. Changes-only entries that moved nothing but counters are
    advanced from the last read in bulk (meters.services.steady_ingest); the rest are made whole, interpreted
    in full, stored whole in the result and recorded in one batch."""
    summary = IngestSummary()
    at = result_time(result, payload)
    entries = _entries(payload, summary)
    is_read = result.directive.kind == DirectiveKind.READ
    if steady and is_read:
        advanced = steady_ingest(result=result, entries=entries, at=at)
        summary.devices, summary.reads = len(entries) - len(advanced.rest), advanced.reads
        entries = advanced.rest
    ids = [entry.get("device_id") for entry in entries]
    devices = Device.objects.filter(site=result.directive.site, public_id__in=[i for i in ids if is_uuid(i)])
    by_id = {str(device.public_id): device for device in devices}
    states = SteadyStates(list(by_id.values()), str(result.public_id), enabled=is_read)
    full = []
    for entry in entries:
        device = by_id.get(str(entry.get("device_id")))
        if device is None:
            summary.errors.append(f"unknown device {entry.get('device_id')!r}")
            continue
        summary.devices += 1
        if _read_ok(device, entry, summary):
            full.append((device, entry))
    items = _interpret_full(full, at, states, ModelMappings(by_id.values()), summary)
    sections = SECTIONS_READ if result.directive.kind == DirectiveKind.READ else SECTIONS_STATUS
    summary.reads += len(readings_record(items=items, at=at, result=result, sections=sections))
    states.save()
    return summary


def _read_ok(device: Device, entry: dict, summary: IngestSummary) -> bool:
    """False when the agent could not read the device at all; a partial read is still interpreted."""
    if entry.get("ok", True):
        return True
    error = entry.get("error") or {}
    summary.errors.append(f"{device.ip}: {error.get('code', 'error')}: {error.get('message', '')}"[:300])
    Device.objects.filter(pk=device.pk).update(problems=[{"code": "read_failed", "message": str(error)[:300]}])
    return bool(entry.get("varbinds") or entry.get("base"))


def _interpret_full(
    full: list[tuple[Device, dict]], at: datetime, states: SteadyStates, mappings: ModelMappings, summary: IngestSummary
):
    wholes = whole_varbinds({str(device.public_id): entry for device, entry in full})
    items = []
    for device, entry in full:
        varbinds = wholes.get(str(device.public_id))
        if varbinds is None:
            summary.errors.append(f"{device.ip}: the read it was sent as changes to is not stored")
            continue
        if is_delta(entry):  # stored whole from now on: later changes-only entries resolve from here
            for key in ("base", "changed", "removed"):
                entry.pop(key, None)
            entry["varbinds"] = varbinds
            summary.made_whole += 1
        index = VarbindIndex(varbinds)
        try:
            reading = interpret(index, device.profile or None, overrides=mappings.overrides(device))
        except Exception as exc:
            log.exception("interpreting device %s failed", device.public_id)
            summary.errors.append(f"{device.ip}: could not interpret: {exc}"[:300])
            continue
        found = device_for_reading(device, reading.identity, reading.profile, at)
        if mappings.overrides(found) != mappings.overrides(device):  # a replaced printer of a model mapped otherwise
            reading = interpret(index, device.profile or None, overrides=mappings.overrides(found))
        states.interpreted(found, index, reading, at, mapping=mapping_version(mappings.overrides(found)))
        items.append((found, reading))
    return items
