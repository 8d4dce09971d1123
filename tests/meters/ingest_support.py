"""Stored results as an agent would post them, built from real recordings read with the portal's plans."""

from datetime import datetime, timedelta

from django.utils import timezone

from agents.models import DirectiveResult
from agents.services.directives import directive_request
from meters.interpret import DISCOVERY_OIDS
from meters.models import Device
from meters.services.ingest import result_interpret
from meters.services.plans import device_plan
from tests.support.factories import make_agent
from tests.support.snmprec import load_recording, read_with_plan

LIFE_COUNT = "1.3.6.1.2.1.43.10.2.1.4.1.1"


def store_result(agent, kind: str, payload: dict, at: datetime | None = None) -> DirectiveResult:
    directive = directive_request(site=agent.site, kind=kind, params={"devices": []})
    payload = {"kind": kind, "finished_at": (at or timezone.now()).isoformat(), **payload}
    result = DirectiveResult.objects.create(
        directive=directive, agent=agent, idempotency_key=f"k-{directive.public_id}", payload=payload
    )
    directive.status = "done"
    if at is not None:  # the directive was queued before its read was taken
        directive.created_at = min(directive.created_at, at - timedelta(minutes=1))
    directive.save()
    return result


def discovery_payload(recording: str, ip: str, **overrides) -> dict:
    varbinds = read_with_plan(load_recording(recording), list(DISCOVERY_OIDS), [])
    return {
        "devices": [
            {"ip": ip, "port": 161, "credential_id": "c1", "is_printer": True, "varbinds": varbinds, **overrides}
        ]
    }


def read_payload(device, recording: str, edit=None) -> dict:
    plan = device_plan(device)
    varbinds = read_with_plan(load_recording(recording), plan.get, plan.walk)
    if edit:
        varbinds = [edit(list(vb)) for vb in varbinds]
    return {"devices": [{"device_id": str(device.public_id), "ip": device.ip, "ok": True, "varbinds": varbinds}]}


def set_value(oid: str, value):
    def edit(vb):
        if vb[0] == oid:
            vb[2] = value
        return vb

    return edit


def hours_ago(hours: float) -> datetime:
    return timezone.now() - timedelta(hours=hours)


def new_agent(**kwargs):
    return make_agent(**kwargs)[0]


def discover(agent, recording: str, ip: str, **overrides) -> Device:
    summary = result_interpret(result=store_result(agent, "discover", discovery_payload(recording, ip, **overrides)))
    assert summary.devices == 1, summary.errors
    return Device.objects.get(ip=ip, site=agent.site)


def read(agent, device, recording: str, at=None, edit=None):
    result = store_result(agent, "read", read_payload(device, recording, edit), at=at)
    summary = result_interpret(result=result)
    device.refresh_from_db()
    return summary
