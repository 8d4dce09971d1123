"""Raw results become devices, meter reads, supplies and alerts; bad numbers are flagged, never billed."""

import pytest

from meters.choices import EventKind
from meters.models import Device, MeterFlag
from meters.services.flags import flag_accept
from meters.services.ingest import result_interpret
from tests.meters.ingest_support import (
    LIFE_COUNT,
    discover,
    discovery_payload,
    hours_ago,
    new_agent,
    read,
    read_payload,
    set_value,
    store_result,
)
from tests.support.factories import make_site


def test_discovery_creates_a_new_device_and_queues_its_first_read(acme, django_capture_on_commit_callbacks):
    agent = new_agent()
    with django_capture_on_commit_callbacks(execute=True):
        device = discover(agent, "konica_c250i", "10.0.0.21")
    assert device.manufacturer and "C250i" in device.model and device.serial
    assert device.events.get().kind == EventKind.NEW
    queued = agent.site.directives.get(kind="read", status="pending")
    planned = queued.params["devices"][0]
    assert planned["device_id"] == str(device.public_id) and LIFE_COUNT[:-4] in " ".join(planned["plan"]["walk"])


def test_a_read_stores_meters_supplies_and_the_latest_count(acme):
    agent = new_agent()
    device = discover(agent, "konica_c250i", "10.0.0.22")
    summary = read(agent, device, "konica_c250i")
    assert summary.reads == 1, summary.errors
    meter_read = device.reads.get()
    assert meter_read.total == device.latest_total and meter_read.total > 0
    assert meter_read.sources["total"]["oids"][0].startswith("1.3.6.1")
    assert meter_read.sources["total"]["rule"] == "stated"
    toners = device.supplies.filter(kind="toner")
    assert toners.count() >= 4 and {s.colour for s in toners} >= {"black", "cyan", "magenta", "yellow"}
    assert device.last_read_at is not None


def test_a_new_address_updates_the_device_and_another_site_is_a_move(acme):
    agent = new_agent()
    device = discover(agent, "konica_c250i", "10.0.0.23")
    moved_ip = discover(agent, "konica_c250i", "10.0.0.99")
    assert moved_ip.pk == device.pk and Device.objects.filter(serial=device.serial).count() == 1
    assert device.events.filter(kind=EventKind.ADDRESS).exists()
    other_agent = new_agent(site=make_site(customer_name="Branch"))
    moved = discover(other_agent, "konica_c250i", "10.1.0.5")
    assert moved.pk == device.pk and moved.site == other_agent.site
    assert device.events.filter(kind=EventKind.MOVED).exists()


def test_counter_going_backwards_is_flagged_not_billed_until_an_offset_is_accepted(acme):
    agent = new_agent()
    device = discover(agent, "konica_c250i", "10.0.0.24")
    read(agent, device, "konica_c250i", at=hours_ago(10), edit=set_value(LIFE_COUNT, 50_000))
    read(agent, device, "konica_c250i", at=hours_ago(5), edit=set_value(LIFE_COUNT, 120))
    assert device.latest_total == 50_000  # the flagged read did not become the billing number
    flag = MeterFlag.objects.get(device=device, meter_kind="total")
    assert (flag.kind, flag.previous, flag.current, flag.proposed_offset) == ("reset", 50_000, 120, 50_000)
    flag_accept(flag=flag, by="admin@acme.example")
    read(agent, device, "konica_c250i", at=hours_ago(1), edit=set_value(LIFE_COUNT, 300))
    assert device.latest_total == 50_300  # 50,000 before the reset and the 300 pages counted since
    assert not device.reads.filter(is_flagged=True).exists()


def test_an_implausible_jump_is_flagged(acme):
    agent = new_agent()
    device = discover(agent, "konica_c250i", "10.0.0.25")
    read(agent, device, "konica_c250i", at=hours_ago(2), edit=set_value(LIFE_COUNT, 1_000))
    read(agent, device, "konica_c250i", at=hours_ago(1), edit=set_value(LIFE_COUNT, 9_000_000))
    assert MeterFlag.objects.get(device=device, meter_kind="total").kind == "jump"
    assert device.latest_total == 1_000


def test_another_printer_answering_at_a_known_address_gets_its_own_device(acme):
    agent = new_agent()
    device = discover(agent, "konica_c250i", "10.0.0.26")
    serial_oid = "1.3.6.1.2.1.43.5.1.1.17.1"
    read(agent, device, "konica_c250i", edit=set_value(serial_oid, "NEWSERIAL123"))
    assert device.reads.count() == 0
    assert device.events.filter(kind=EventKind.REPLACED).exists()
    replacement = Device.objects.get(serial="NEWSERIAL123")
    assert replacement.reads.count() == 1 and replacement.ip == "10.0.0.26"


def test_a_garbage_serial_falls_back_to_the_mac(acme):
    agent = new_agent()
    payload = discovery_payload("konica_c250i", "10.0.0.27")
    for vb in payload["devices"][0]["varbinds"]:
        if vb[0].startswith("1.3.6.1.2.1.43.5.1.1.17"):
            vb[1], vb[2] = "str", "0000000"
    result_interpret(result=store_result(agent, "discover", payload))
    device = Device.objects.get(ip="10.0.0.27")
    assert device.serial == "" and device.identity_key.startswith("mac:")


@pytest.mark.parametrize(
    "payload",
    [
        {"devices": "not a list"},
        {"devices": [None, 7, {"device_id": "not-a-uuid"}]},
        {"devices": [{"device_id": "00000000-0000-0000-0000-000000000000", "ok": True, "varbinds": [["x", "y"]]}]},
    ],
)
def test_malformed_results_are_recorded_as_errors_without_crashing(acme, payload):
    agent = new_agent()
    result = store_result(agent, "read", payload)
    summary = result_interpret(result=result)
    result.refresh_from_db()
    assert result.status == "interpreted" and summary.reads == 0


def test_hostile_varbinds_for_one_device_do_not_stop_the_others(acme):
    agent = new_agent()
    good = discover(agent, "konica_c250i", "10.0.0.28")
    bad = discover(agent, "ricoh_mpc3002", "10.0.0.29")
    hostile = [["1.3.6.1.2.1.43.10.2.1.4.1.1", "str", "\ufffd" * 5000], ["1.3.6.1.2.1.1.2.0", "int", "nonsense"]]
    payload = read_payload(good, "konica_c250i")
    payload["devices"].append({"device_id": str(bad.public_id), "ok": True, "varbinds": hostile})
    result_interpret(result=store_result(agent, "read", payload))
    assert good.reads.count() == 1 and bad.reads.count() == 0


def test_a_failed_device_keeps_its_last_count_and_shows_the_error(acme):
    agent = new_agent()
    device = discover(agent, "konica_c250i", "10.0.0.30")
    read(agent, device, "konica_c250i")
    before = device.latest_total
    payload = {
        "devices": [
            {
                "device_id": str(device.public_id),
                "ok": False,
                "varbinds": [],
                "error": {"code": "timeout", "message": "no answer in 2 s"},
            }
        ]
    }
    summary = result_interpret(result=store_result(agent, "read", payload))
    device.refresh_from_db()
    assert device.latest_total == before and "timeout" in summary.errors[0]
    assert device.problems[0]["code"] == "read_failed"


def test_supplies_follow_the_printer_and_unchanged_ones_are_not_rewritten(acme):
    agent = new_agent()
    device = discover(agent, "konica_c250i", "10.0.0.31")
    level = "1.3.6.1.2.1.43.11.1.1.9.1.1"
    read(agent, device, "konica_c250i", at=hours_ago(3), edit=set_value(level, 60))
    first = {s.key: s.updated_at for s in device.supplies.all()}
    read(agent, device, "konica_c250i", at=hours_ago(2), edit=set_value(level, 55))
    after = {s.key: (s.level_raw, s.updated_at) for s in device.supplies.all()}
    assert after[level][0] == 55 and after[level][1] > first[level]
    untouched = [key for key in first if key != level]
    assert untouched and all(after[key][1] == first[key] for key in untouched)
