"""Changes-only reads: advancing the last interpretation must give exactly what a full interpretation gives."""

from dataclasses import replace
from datetime import timedelta

import pytest

from agents.models import DirectiveResult
from meters.interpret import DISCOVERY_OIDS, identify, interpret
from meters.interpret.plan import plan_for_profile
from meters.interpret.profiles import profile_named
from meters.interpret.steady import advanced_meters, counter_types
from meters.interpret.varbinds import VarbindIndex
from meters.models import Device, MeterOffset, MeterRead, SteadyState
from meters.selectors import device_last_raw
from meters.services.ingest import result_interpret
from meters.services.steady import MAX_HOPS
from tests.meters.ingest_support import discover, hours_ago, new_agent, read_payload, store_result
from tests.support.snmprec import load_recording, read_with_plan, recording_names

SUPPLY_LEVEL = "1.3.6.1.2.1.43.11.1.1.9."


def plan_read(name: str) -> list[list]:
    recording = load_recording(name)
    gets, walks = plan_for_profile(identify(read_with_plan(recording, list(DISCOVERY_OIDS), [])))
    return [list(vb) for vb in read_with_plan(recording, gets, walks)]


def bumped(varbinds: list[list], oids: dict[str, str]) -> tuple[list[list], list[list]]:
    """Every counter moved on by a different number of pages: (the whole read, the changes)."""
    changed = [[oid, vtype, value + 7 * n + 1] for n, (oid, vtype, value) in enumerate(varbinds) if oid in oids]
    by_oid = {vb[0]: vb for vb in changed}
    return [by_oid.get(vb[0], vb) for vb in varbinds], changed


@pytest.mark.parametrize("name", recording_names())
def test_advancing_counters_equals_interpreting_the_whole_read(name):
    varbinds = plan_read(name)
    index = VarbindIndex(varbinds)
    before = interpret(index)
    counters = counter_types(index, profile_named(before.profile))
    whole, changed = bumped(varbinds, counters)
    after = interpret(whole)
    assert advanced_meters(before, counters, changed, []) == after.meters
    # ... and nothing but meter values moved: a counter OID must never feed supplies, status or identity.
    assert replace(after, meters=[], counters=[]) == replace(before, meters=[], counters=[])
    if before.counters and not profile_named(before.profile).decoder:
        # Every device with meters can be advanced (vendors whose counters sit in blobs cannot).
        assert {meter.oid for meter in before.counters} <= set(counters) and after.meters != before.meters


@pytest.mark.parametrize(
    "change",
    [
        lambda oid, vtype, value: [[oid, "int" if vtype != "int" else "counter32", value + 1]],  # type changed
        lambda oid, vtype, value: [[oid, vtype, -1]],  # not a count
        lambda oid, vtype, value: [[oid, vtype, "12"]],
        lambda oid, vtype, value: [[oid, vtype, True]],
        lambda oid, vtype, value: [[oid, vtype, value + 1], [f"{SUPPLY_LEVEL}1.1", "int", 40]],  # a supply moved
        lambda oid, vtype, value: [["1.3.6.1.2.1.1.5.0", "str", "renamed"]],  # not a counter
    ],
)
def test_anything_but_valid_counters_moving_needs_a_full_interpretation(change):
    varbinds = plan_read("konica_c250i")
    index = VarbindIndex(varbinds)
    reading = interpret(index)
    counters = counter_types(index, profile_named(reading.profile))
    oid = next(iter(counters))
    vtype, value = index.get(oid)
    assert advanced_meters(reading, counters, change(oid, vtype, value), []) is None
    assert advanced_meters(reading, counters, [[oid, vtype, value + 1]], [oid]) is None  # an OID went away
    not_a_counter = {other: kind for other, kind in counters.items() if other != oid}
    assert advanced_meters(reading, not_a_counter, [[oid, "+", 1]], []) is None  # pages on, on what is no counter


# --- through the ingest ------------------------------------------------------------------------------------


def delta_result(agent, device, base: DirectiveResult, changed: list, at, removed=()) -> DirectiveResult:
    entry = {
        "device_id": str(device.public_id),
        "ok": True,
        "base": str(base.public_id),
        "changed": changed,
        "removed": list(removed),
    }
    return store_result(agent, "read", {"devices": [entry]}, at=at)


RECORDING = "jetdirect_m130nw"


def first_read(agent, ip: str) -> tuple[Device, DirectiveResult, str, str, int]:
    """A device read in full: (device, its result, the OID of its total, that OID's type and value)."""
    device = discover(agent, RECORDING, ip)
    result = store_result(agent, "read", read_payload(device, RECORDING), at=hours_ago(100))
    result_interpret(result=result)
    oid = device.reads.get().sources["total"]["oids"][0]
    vtype, value = next((vb[1], vb[2]) for vb in result.payload["devices"][0]["varbinds"] if vb[0] == oid)
    return device, result, oid, vtype, value


def test_counter_only_reads_are_advanced_and_other_changes_interpreted_in_full(acme):
    agent = new_agent()
    device, first, total, vtype, pages = first_read(agent, "10.0.9.1")
    second = delta_result(agent, device, first, [[total, vtype, pages + 250]], hours_ago(8))
    assert result_interpret(result=second).reads == 1
    device.refresh_from_db()
    assert device.latest_total == pages + 250 and device.reads.count() == 2
    assert SteadyState.objects.get(device=device).hops == 1
    assert "base" in DirectiveResult.objects.get(pk=second.pk).payload["devices"][0]  # kept as sent
    raw = device_last_raw(device=device)["entry"]  # what support sees on the device page: the whole read
    assert len(raw["varbinds"]) == len(first.payload["devices"][0]["varbinds"]) and raw["changes"] == 1
    assert [total, vtype, pages + 250] in raw["varbinds"]
    level = next(s for s in device.supplies.all() if s.level_percent is not None)
    status = ["1.3.6.1.2.1.25.3.2.1.5.1", "int", 3]  # hrDeviceStatus warning: a level alone is advanced too
    third = delta_result(
        agent, device, second, [[total, vtype, pages + 400], [level.key, "int", 1], status], hours_ago(6)
    )
    assert result_interpret(result=third).reads == 1
    device.refresh_from_db()
    assert device.latest_total == pages + 400 and device.supplies.get(pk=level.pk).level_raw == 1
    stored = DirectiveResult.objects.get(pk=third.pk).payload["devices"][0]
    assert "base" not in stored and [total, vtype, pages + 400] in stored["varbinds"]  # made whole
    assert SteadyState.objects.get(device=device).hops == 0


def test_a_read_after_a_failed_one_is_interpreted_in_full_and_clears_the_failure(acme):
    agent = new_agent()
    device, first, total, vtype, pages = first_read(agent, "10.0.9.5")
    failed = {"device_id": str(device.public_id), "ok": False, "error": {"code": "timeout", "message": "no answer"}}
    result_interpret(result=store_result(agent, "read", {"devices": [failed]}, at=hours_ago(9)))
    device.refresh_from_db()
    assert [p["code"] for p in device.problems] == ["read_failed"]
    summary = result_interpret(result=delta_result(agent, device, first, [[total, vtype, pages + 5]], hours_ago(8)))
    device.refresh_from_db()
    assert summary.made_whole == 1 and "read_failed" not in [p["code"] for p in device.problems]
    assert device.latest_total == pages + 5


def test_a_status_read_between_two_meter_reads_leaves_the_next_one_advanceable(acme):
    agent = new_agent()
    device, first, total, vtype, pages = first_read(agent, "10.0.9.6")
    status = [vb for vb in first.payload["devices"][0]["varbinds"] if vb[0].startswith("1.3.6.1.2.1.25.3")]
    entry = {"device_id": str(device.public_id), "ok": True, "varbinds": status}
    result_interpret(result=store_result(agent, "status", {"devices": [entry]}, at=hours_ago(9)))
    summary = result_interpret(result=delta_result(agent, device, first, [[total, vtype, pages + 5]], hours_ago(8)))
    assert summary.made_whole == 0 and SteadyState.objects.get(device=device).hops == 1


def test_a_counter_going_backwards_in_a_changes_only_read_is_still_flagged(acme):
    agent = new_agent()
    device, first, total, vtype, pages = first_read(agent, "10.0.9.2")
    result_interpret(result=delta_result(agent, device, first, [[total, vtype, 12]], hours_ago(8)))
    device.refresh_from_db()
    assert device.latest_total == pages and device.flags.get().kind == "reset"


def test_chains_of_changes_stay_short_and_resolve_to_the_whole_read(acme):
    agent = new_agent()
    device, base, total, vtype, pages = first_read(agent, "10.0.9.3")
    made_whole = []
    for n in range(1, MAX_HOPS + 3):
        at = hours_ago(100) + timedelta(hours=n)
        base = delta_result(agent, device, base, [[total, vtype, pages + 10 * n]], at)
        made_whole.append(result_interpret(result=base).made_whole)
    assert made_whole.index(1) == MAX_HOPS  # the read after MAX_HOPS advanced ones is interpreted in full
    device.refresh_from_db()
    assert device.latest_total == pages + 10 * (MAX_HOPS + 2) and device.reads.count() == MAX_HOPS + 3
    raw = Device.objects.get(pk=device.pk).reads.order_by("-read_at").first().result.payload["devices"][0]
    assert raw["base"]  # the newest is kept as sent; the device page shows the whole read it stands for


def test_reinterpretation_resolves_changes_only_reads_and_interprets_them_in_full(acme):
    agent = new_agent()
    device, first, total, vtype, pages = first_read(agent, "10.0.9.4")
    second = delta_result(agent, device, first, [[total, vtype, pages + 99]], hours_ago(8))
    result_interpret(result=second)
    device.reads.all().delete()
    summary = result_interpret(result=second, steady=False)
    assert summary.reads == 1 and summary.made_whole == 1
    assert device.reads.get().total == pages + 99


# --- the bulk fast path stores what a full interpretation stores -------------------------------------------


DEVICE_FIGURES = [
    "last_read_at",
    "last_seen_at",
    "latest_total",
    "latest_mono",
    "latest_color",
    "lowest_supply_percent",
    "status_text",
    "problems",
    "lifecycle",
]


def stored_rows(device: Device, result: DirectiveResult) -> dict:
    """What a dealer sees of one read: the meter read, the device's latest figures, the month's rollup."""
    read = (
        device.reads.filter(result=result)
        .values("read_at", "total", "mono", "color", "values", "sources", "supply_levels", "is_flagged")
        .first()
    )
    fresh = Device.objects.values(*DEVICE_FIGURES).get(pk=device.pk)
    months = list(device.months.values("month", "min_mono", "max_mono", "min_color", "max_color"))
    alerts = list(device.alerts.values("code", "last_seen_at", "cleared_at").order_by("code"))
    return {"read": read, "device": fresh, "months": months, "alerts": alerts}


@pytest.mark.parametrize("name", recording_names())
def test_a_counters_only_read_stores_the_same_rows_on_the_fast_path_as_in_full(acme, name):
    """Every recording: its first read in full, an accepted offset, then a read in which every counter moved,
    stored once on the fast path and once (after undoing it) by a full interpretation: the same rows."""
    agent = new_agent()
    device = discover(agent, name, "10.0.10.1")
    first = store_result(agent, "read", read_payload(device, name), at=hours_ago(30))
    result_interpret(result=first)
    MeterOffset.objects.create(device=device, meter_kind="total", offset=1000, since=hours_ago(40))
    counters = SteadyState.objects.get(device=device).counters
    _whole, changed = bumped(first.payload["devices"][0]["varbinds"], counters)
    second = delta_result(agent, device, first, changed, hours_ago(2))
    before = Device.objects.get(pk=device.pk)

    summary = result_interpret(result=second)
    assert summary.made_whole == 0, f"{name}: not taken by the fast path"
    fast = stored_rows(device, second)
    assert SteadyState.objects.get(device=device).hops == 1

    MeterRead.objects.filter(result=second).delete()
    before.save()  # the device as it was before the read
    assert result_interpret(result=second, steady=False).made_whole == 1
    assert stored_rows(device, second) == fast
    assert (fast["read"] is not None) == bool(interpret(plan_read(name)).meters)


def test_a_stale_device_reporting_again_is_interpreted_in_full_and_marked_returned(acme):
    agent = new_agent()
    device, first, total, vtype, pages = first_read(agent, "10.0.9.7")
    Device.objects.filter(pk=device.pk).update(lifecycle="stale")
    summary = result_interpret(result=delta_result(agent, device, first, [[total, vtype, pages + 5]], hours_ago(8)))
    device.refresh_from_db()
    assert summary.made_whole == 1 and device.lifecycle == "active" and device.latest_total == pages + 5
    assert device.events.filter(kind="returned").exists()
