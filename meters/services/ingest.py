"""Raw directive results in, fleet rows out. Called by the worker, and by `reinterpret` for stored results."""

import ipaddress
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from agents.choices import DirectiveKind, ResultStatus
from agents.models import DirectiveResult
from agents.services.credentials import site_credential_refs
from agents.services.deltas import is_delta, whole_varbinds
from agents.services.results import agent_local_printers_record
from meters.choices import Lifecycle
from meters.interpret import identify, interpret
from meters.interpret.identity import read_identity
from meters.interpret.mapping import mapping_version
from meters.interpret.plan import SECTIONS_READ, SECTIONS_STATUS
from meters.interpret.printer_check import is_printer
from meters.interpret.varbinds import VarbindIndex
from meters.models import Device
from meters.selectors import ModelMappings
from meters.services.credential_tests import credential_test_ingest
from meters.services.devices import Sighting, device_for_reading, device_sighted
from meters.services.plans import (
    devices_read_request,
    devices_to_read,
    discovery_plan_used,
    plan_covers,
    read_directive_request,
)
from meters.services.reads import readings_record
from meters.services.steady import SteadyStates
from meters.services.steady_ingest import steady_ingest
from portal.lib.collector import without_collector
from portal.lib.ids import is_uuid
from portal.lib.queue import task_send

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
    chunks: int = 0  # split into this many chunks, each interpreted by a task of its own (result_runs)


@without_collector  # a fleet's upload interpreted: portal.lib.collector
def result_interpret(*, result: DirectiveResult, steady: bool = True) -> IngestSummary:
    """Interprets one stored result; per-device problems are recorded, never raised. `steady=False` interprets
    every read in full (re-interpretation after a profile changed)."""
    kind = result.directive.kind
    payload = result.payload if isinstance(result.payload, dict) else {}
    if kind == DirectiveKind.DISCOVER:
        summary = discovery_ingest(result, payload)
    elif kind == DirectiveKind.TEST:
        summary = IngestSummary(errors=credential_test_ingest(result, payload))
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
    try:
        stamp = parse_datetime(str(payload.get("finished_at") or ""))
    except ValueError:  # well-formed but impossible, like month 13
        stamp = None
    if stamp is None or stamp.tzinfo is None:
        return result.received_at
    if not result.directive.created_at - AGENT_CLOCK_SKEW <= stamp <= result.received_at:
        return result.received_at
    return stamp.astimezone(UTC)


def discovery_ingest(result: DirectiveResult, payload: dict) -> IngestSummary:
    summary = IngestSummary()
    site, at = result.directive.site, result_time(result, payload)
    agent_local_printers_record(agent=result.agent, payload=payload, seen_at=at)  # the printers its host uses
    credentials = set(site_credential_refs(site))  # the site's own and its customer's
    found: list[tuple[Device, dict]] = []
    for entry in _entries(payload, summary):
        index = VarbindIndex(entry.get("varbinds") if isinstance(entry.get("varbinds"), list) else [])
        printer, why = _printer_verdict(entry, index)
        log.debug("discovery %s: %s %s: %s", result.public_id, entry.get("ip"), "kept" if printer else "skipped", why)
        if not printer:
            summary.skipped.append(f"{entry.get('ip')}: {why}")
            continue
        try:
            with transaction.atomic():  # a savepoint: one bad entry costs that entry, not the discovery
                device, is_new = device_sighted(_sighting(site, entry, index, at, credentials, result))
        except (TypeError, ValueError, KeyError, DatabaseError) as exc:
            log.warning("discovery %s: entry %r set aside: %s", result.public_id, entry.get("ip"), exc)
            summary.errors.append(f"{str(entry.get('ip'))[:64]}: set aside: {str(exc).splitlines()[0][:200]}")
            continue
        summary.devices += 1
        summary.printers[str(device.public_id)] = why
        found.append((device, entry))
        if is_new:
            summary.new_devices.append(str(device.public_id))
    _reads_after_discovery(site, found, _first_reads(result, found, at, summary))
    # Every discovery: what it did not see matters as much as what it found (the task decides if anything
    # changed). A broker down now costs only the speed: reports' sweep emails a discovery whose email was never
    # queued, from the events carrying its result id.
    result_id = str(result.public_id)
    transaction.on_commit(lambda: task_send(NOTIFY_NEW_DEVICES_TASK, result_id))
    return summary


def _first_reads(
    result: DirectiveResult, found: list[tuple[Device, dict]], at: datetime, summary: IngestSummary
) -> set[str]:
    """The meters the agent read from the printers it found, in the same run (docs/agent-protocol.md, "Reads in
    the discovery"): stored after the devices, in the same transaction, as a read directive's are. Returns the
    ids of the devices read. A read that failed, or lacks part of what the device's own profile reads (the agent
    chose its plan by sysObjectID alone), is left for a read with the device's own plan."""
    read_plan = result.directive.params.get("read_plan") or {}
    full = []
    for device, entry in found:
        read = entry.get("read")
        if not isinstance(read, dict) or read.get("ok") is not True or not isinstance(read.get("varbinds"), list):
            continue
        if not device.is_monitored or device.lifecycle == Lifecycle.RETIRED or not isinstance(read_plan, dict):
            continue
        if plan_covers(discovery_plan_used(read_plan, str(read.get("plan") or "")), device):
            read["device_id"] = str(device.public_id)
            full.append((device, {"device_id": str(device.public_id), "ok": True, "varbinds": read["varbinds"]}))
    if not full:
        return set()
    # Which device each stored read is, kept in the stored result: the device page's raw data and re-deriving
    # history (meters.services.rederive) find a read by device id. The agent's own fields are left as sent.
    DirectiveResult.objects.filter(pk=result.pk).update(payload=result.payload)
    devices = [device for device, _entry in full]
    # Not a state for changes-only reads to advance from: the agent never sends a read as changes to a discovery.
    states = SteadyStates(devices, str(result.public_id), enabled=False)
    items = _interpret_full(full, at, states, ModelMappings(devices), summary)
    summary.reads += _record(items, at, result, SECTIONS_READ, summary)
    return {str(device.public_id) for device in devices}


def _reads_after_discovery(site, found: list[tuple[Device, dict]], read: set[str]) -> None:
    """Meters for what was found, at once: a dealer should not wait for the next read window. What the agent read
    in the discovery is not read again; an agent that reads nothing in a discovery (older ones) gets the site's
    read, as before."""
    if not found:
        return
    if not any("read" in entry for _device, entry in found):
        transaction.on_commit(lambda: read_directive_request(site=site, requested_by="discovery"))
        return
    unread = [device.pk for device, _entry in found if str(device.public_id) not in read]
    if unread:
        transaction.on_commit(lambda: _read_devices(site, unread))


def _read_devices(site, pks: list[int]) -> None:
    devices = list(devices_to_read(site).filter(pk__in=pks))
    if devices:
        devices_read_request(site=site, devices=devices, requested_by="discovery")


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


def _sighting(site, entry: dict, index: VarbindIndex, at: datetime, credentials: set[int], result) -> Sighting:
    profile = identify(index)
    identity = read_identity(index, profile, [])
    return Sighting(
        site=site,
        identity=identity,
        ip=_address(entry.get("ip")),
        port=_port(entry.get("port")),
        profile=profile.name,
        credential_id=_credential_pk(entry.get("credential_id"), credentials),
        at=at,
        result_id=str(result.public_id),
    )


def _address(value) -> str | None:
    if not value:
        return None
    return str(ipaddress.ip_address(str(value)))  # ValueError: the entry is set aside


def _port(value) -> int:
    port = int(value or 161)
    if not 0 < port < 65536:
        raise ValueError(f"port {port} is not a UDP port")
    return port


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
        advanced = _steady_or_none(result, entries, at)
        if advanced is not None:
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
    summary.reads += _record(items, at, result, sections, summary)
    _save_states(states)
    return summary


def _steady_or_none(result: DirectiveResult, entries: list[dict], at: datetime):
    """The fast path in a savepoint: if its batch fails, every entry goes down the full path, device by device."""
    try:
        with transaction.atomic():
            return steady_ingest(result=result, entries=entries, at=at)
    except DatabaseError:
        log.exception("result %s: advancing reads failed; interpreting them in full", result.public_id)
        return None


def _record(items, at: datetime, result: DirectiveResult, sections, summary: IngestSummary) -> int:
    """All reads in one batch; when the batch fails, each device in its own savepoint, and a device whose read
    cannot be stored is set aside with the problem on its row: the other devices' reads are kept."""
    try:
        with transaction.atomic():
            return len(readings_record(items=items, at=at, result=result, sections=sections))
    except DatabaseError:
        log.warning("result %s: storing the batch failed; storing device by device", result.public_id)
    stored = 0
    for device, reading in items:
        try:
            with transaction.atomic():
                stored += len(readings_record(items=[(device, reading)], at=at, result=result, sections=sections))
        except DatabaseError as exc:
            _set_aside(device, exc, summary)
    return stored


def _set_aside(device: Device, exc: Exception, summary: IngestSummary) -> None:
    reason = str(exc).splitlines()[0][:200]
    log.warning("device %s: read set aside: %s", device.public_id, reason)
    summary.errors.append(f"{device.ip}: read set aside: {reason}")
    problem = {"code": "read_set_aside", "message": f"This read could not be stored: {reason}"}
    Device.objects.filter(pk=device.pk).update(problems=[problem])


def _save_states(states: SteadyStates) -> None:
    """Fast-path states are a cache of the last full read: failing to keep them costs speed, never a read."""
    try:
        with transaction.atomic():
            states.save()
    except DatabaseError:
        log.exception("keeping fast-path states failed; the next reads are interpreted in full")


def _read_ok(device: Device, entry: dict, summary: IngestSummary) -> bool:
    """False when the agent could not read the device at all; a partial read is still interpreted."""
    if entry.get("ok", True):
        return True
    error = entry.get("error")
    if not isinstance(error, dict):  # an agent's bare message, or nothing
        error = {"message": str(error or "")}
    code, message = error.get("code", "error"), error.get("message", "")
    summary.errors.append(f"{device.ip}: {code}: {message or ''}"[:300])
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
