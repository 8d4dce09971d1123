"""A discovery whose agent read the printers it found in the same run (docs/agent-protocol.md, "Reads in the
discovery"): one result brings the devices and their first meter reads, and no second read is queued for them."""

from django.utils import timezone

from agent_client.discovery.reads import plan_key
from agents.models import DirectiveResult
from meters.interpret import DISCOVERY_OIDS
from meters.models import Device
from meters.selectors import device_last_raw
from meters.services.ingest import result_interpret
from meters.services.plans import discover_directive_request, discovery_plan_used
from meters.services.rederive import devices_rederive
from tests.meters.ingest_support import new_agent
from tests.support.snmprec import load_recording, read_with_plan

SYS_OBJECT_ID = "1.3.6.1.2.1.1.2.0"


def found(recording: str, ip: str, plan: dict, ok: bool = True) -> dict:
    """A discovered printer as the agent reports it: identity, and the read it made with the plan it picks."""
    identity = read_with_plan(load_recording(recording), list(DISCOVERY_OIDS), [])
    prefix = plan_key(next((vb[2] for vb in identity if vb[0] == SYS_OBJECT_ID), None), plan["by_prefix"])
    used = discovery_plan_used(plan, prefix)
    read = {
        "plan": prefix,
        "ok": ok,
        "error": None if ok else {"code": "timeout", "message": "no answer"},
        "varbinds": read_with_plan(load_recording(recording), used.get, used.walk) if ok else [],
    }
    return {"ip": ip, "port": 161, "credential_id": "c1", "is_printer": True, "varbinds": identity, "read": read}


def interpret_discovery(agent, entries, django_capture_on_commit_callbacks):
    directive = discover_directive_request(site=agent.site, requested_by="test")
    payload = {"kind": "discover", "finished_at": timezone.now().isoformat(), "devices": entries}
    key = f"k-{directive.public_id}"
    result = DirectiveResult.objects.create(directive=directive, agent=agent, idempotency_key=key, payload=payload)
    with django_capture_on_commit_callbacks(execute=True):
        summary = result_interpret(result=result)
    return result, summary, directive.params["read_plan"]


def test_a_discovery_that_read_its_printers_stores_their_meters_from_the_same_result(
    acme, django_capture_on_commit_callbacks
):
    agent = new_agent()
    plan = discover_directive_request(site=agent.site, requested_by="test").params["read_plan"]
    entries = [found("konica_c250i", "10.40.0.1", plan), found("brother_hl5370dw", "10.40.0.2", plan)]

    result, summary, _plan = interpret_discovery(agent, entries, django_capture_on_commit_callbacks)

    assert (summary.devices, summary.reads) == (2, 2), summary.errors
    for ip in ("10.40.0.1", "10.40.0.2"):
        device = Device.objects.get(site=agent.site, ip=ip)
        assert device.latest_total and device.last_read_at and device.supplies.exists()
        assert list(device.reads.values_list("result_id", flat=True)) == [result.pk]
        assert device_last_raw(device=device)["entry"]["varbinds"]  # support sees what the agent read
    assert not agent.site.directives.filter(kind="read").exists()  # nothing to read again


def test_a_printer_read_with_another_vendors_plan_or_not_at_all_gets_a_read_of_its_own(
    acme, django_capture_on_commit_callbacks
):
    """A Toshiba answering with Lexmark's enterprise number was read with Lexmark's plan: it lacks Toshiba's
    counters, so it is not stored as a meter read; a printer whose read timed out is read again too."""
    agent = new_agent()
    plan = discover_directive_request(site=agent.site, requested_by="test").params["read_plan"]
    entries = [
        found("konica_c250i", "10.41.0.1", plan),
        found("toshiba-tec_estudio305", "10.41.0.2", plan),
        found("printmaster_kyocera_p2040dw", "10.41.0.3", plan, ok=False),
    ]

    _result, summary, _plan = interpret_discovery(agent, entries, django_capture_on_commit_callbacks)

    assert (summary.devices, summary.reads) == (3, 1), summary.errors
    toshiba, kyocera = (Device.objects.get(site=agent.site, ip=ip) for ip in ("10.41.0.2", "10.41.0.3"))
    assert toshiba.profile == "toshiba" and not toshiba.reads.exists() and not kyocera.reads.exists()
    queued = agent.site.directives.get(kind="read", status="pending")
    assert sorted(entry["ip"] for entry in queued.params["devices"]) == ["10.41.0.2", "10.41.0.3"]


def test_a_read_taken_in_the_discovery_is_re_derived_like_any_other(acme, django_capture_on_commit_callbacks):
    agent = new_agent()
    plan = discover_directive_request(site=agent.site, requested_by="test").params["read_plan"]
    interpret_discovery(agent, [found("konica_c250i", "10.42.0.1", plan)], django_capture_on_commit_callbacks)
    device = Device.objects.get(site=agent.site, ip="10.42.0.1")
    stored = device.reads.get()
    device.reads.update(total=1, values={**stored.values, "total": 1})  # as an older mapping had counted it

    outcome = devices_rederive(devices=[device])

    assert outcome.reads_changed == 1
    assert device.reads.get().total == stored.total
