"""Dealer meter mapping: a dealer chooses which vendor counter feeds which billing meter for a model, and the
model's history is re-derived (reads, flags, monthly rollups, latest counts); `reinterpret` re-derives history
after a profile changes. Both say what changed, and running them twice changes nothing more."""

from dataclasses import replace

import pytest
from django.core.management import call_command

from meters.interpret import interpret
from meters.interpret import profiles as profile_module
from meters.interpret.billing import compose
from meters.interpret.mapping import mapped_counters, mapping_version
from meters.interpret.types import Meter
from meters.models import Device, MeterFlag, MeterMapping, MeterRead, SteadyState
from meters.selectors import device_counters
from meters.services.flags import flag_dismiss
from meters.services.ingest import result_interpret
from meters.services.mappings import mapping_save
from meters.services.rederive import devices_rederive
from tests.meters.ingest_support import (
    LIFE_COUNT,
    discover,
    hours_ago,
    new_agent,
    read,
    read_payload,
    set_value,
    store_result,
)
from tests.meters.test_steady_reads import bumped, delta_result, plan_read, stored_rows
from tests.support.personas import api_client_for, client_for
from tests.support.snmprec import recording_names

KONICA = "konica_c250i"
HP = "jetdirect_m130nw"
PRINT_BLACK = "1.3.6.1.4.1.18334.1.1.1.5.7.2.2.1.5.1.2"  # "Total print black" (Konica's function table)
OTHER_FUNCTIONS = 3672 + 544 + 6711  # copy black + copy colour + print colour in the recording
SHARP_SCAN = "1.3.6.1.4.1.2385.1.1.19.2.1.3.7.4.50"  # "Scan to E-mail/FTP", a row the profile leaves unclassified


def counters_at(print_black: int, total: int | None = None):
    """An edit of a Konica read: print black moved on, the life count with it (every function adds up)."""
    values = {PRINT_BLACK: print_black, LIFE_COUNT: total if total is not None else print_black + OTHER_FUNCTIONS}

    def edit(vb):
        if vb[0] in values:
            vb[2] = values[vb[0]]
        return vb

    return edit


def konica_history(agent, ip: str, blacks=(22_000, 22_500, 23_000)) -> Device:
    device = discover(agent, KONICA, ip)
    for hours, black in zip((50, 26, 2), blacks, strict=True):
        read(agent, device, KONICA, at=hours_ago(hours), edit=counters_at(black))
    return device


def hp_history(agent, ip: str) -> Device:
    device = discover(agent, HP, ip)
    read(agent, device, HP, at=hours_ago(30))
    read(agent, device, HP, at=hours_ago(3))
    return device


def snapshot(device: Device) -> dict:
    """What a dealer sees of a device's meters: its reads, flags, months and latest counts."""
    fresh = Device.objects.get(pk=device.pk)
    return {
        "reads": list(device.reads.order_by("read_at").values("pk", "read_at", "values", "sources", "is_flagged")),
        "flags": list(device.flags.order_by("pk").values("pk", "kind", "meter_kind", "state", "current")),
        "months": list(device.months.order_by("month").values("month", "min_mono", "max_mono", "max_total")),
        "latest": (fresh.latest_total, fresh.latest_mono, fresh.latest_color),
    }


def map_konica(device: Device, choices: dict, by: str = "admin@acme.example"):
    return mapping_save(
        manufacturer=device.manufacturer,
        model=device.model,
        choices=choices,
        counters=device_counters(device=device),
        by=by,
    )


# --- the rules, on plain counters -------------------------------------------------------------------------------


def _large_rows() -> list[Meter]:
    return [
        Meter("large", 100, "t.1", "A3", rule="part"),
        Meter("large", 50, "t.2", "A3 duplex", rule="part"),
        Meter("large", 7, "t.3", "Ledger", rule="part"),
        Meter("total", 1_000, "lc", "prtMarkerLifeCount"),
    ]


def test_a_row_mapped_away_leaves_the_other_rows_of_its_sum_adding_up():
    billed = {m.kind: m for m in compose(mapped_counters(_large_rows(), {"t.3": "scan"}), mono_only=False)}
    assert (billed["large"].value, billed["large"].rule, billed["large"].source_oids) == (150, "sum", ("t.1", "t.2"))
    assert (billed["scan"].value, billed["scan"].rule) == (7, "stated")
    not_billed = compose(mapped_counters(_large_rows(), {"t.3": ""}), mono_only=False)
    assert [m.value for m in not_billed if m.kind == "large"] == [150]
    assert {m.label for m in not_billed if m.kind == "unclassified"} == {"Ledger"}  # kept, never billed


def test_a_mapped_counter_wins_over_the_profiles_counters_of_its_kind():
    billed = {m.kind: m for m in compose(mapped_counters(_large_rows(), {"t.1": "large"}), mono_only=False)}
    assert (billed["large"].value, billed["large"].rule) == (100, "stated")
    reading = interpret(plan_read(KONICA), overrides={PRINT_BLACK: "mono"})
    assert reading.counters[0].oid == PRINT_BLACK and reading.meter("mono").value == reading.counters[0].value
    assert reading.meter("print_mono") is None  # the counter feeds mono now, not print mono too
    assert interpret(plan_read(KONICA), overrides={PRINT_BLACK: "not a meter"}) == interpret(plan_read(KONICA))


def test_counters_read_out_of_one_record_are_not_mapped_alone():
    reading = interpret(plan_read("brother-lib_mfc-t910dw"))
    blob = reading.counters[0].oid
    assert interpret(plan_read("brother-lib_mfc-t910dw"), overrides={blob: "scan"}) == reading


# --- a dealer changes a mapping -------------------------------------------------------------------------------


def test_mapping_print_black_to_mono_rederives_old_reads_rollups_and_the_latest_counts(acme):
    agent = new_agent()
    konica = konica_history(agent, "10.41.0.1")
    hp = hp_history(agent, "10.41.0.2")
    hp_before = snapshot(hp)
    old_mono = konica.reads.order_by("read_at").last().values["mono"]
    assert old_mono == 23_000 + 3672 and konica.latest_mono == old_mono  # print + copy black, by the functions
    client = client_for(acme, acme.admin)
    url = f"/devices/{konica.public_id}/meter-mapping/"
    page = client.get(url).content.decode()
    assert "Total print black" in page and PRINT_BLACK in page and "Profile: Print mono" in page

    response = client.post(url, {f"counter:{PRINT_BLACK}": "mono"})

    assert response.status_code == 200
    shown = response.content.decode()
    assert f"mono {old_mono:,} → 23,000" in shown and konica.serial in shown and "3 reads changed" in shown
    reads = list(konica.reads.order_by("read_at"))
    assert [r.values["mono"] for r in reads] == [22_000, 22_500, 23_000]
    assert all(
        "print_mono" not in r.values and r.sources["mono"] == {"rule": "stated", "oids": [PRINT_BLACK]} for r in reads
    )
    months = list(konica.months.all())
    assert min(m.min_mono for m in months) == 22_000 and max(m.max_mono for m in months) == 23_000
    konica.refresh_from_db()
    assert konica.latest_mono == 23_000
    assert MeterMapping.objects.get(oid=PRINT_BLACK).changed_by == acme.admin.email
    assert snapshot(hp) == hp_before  # another model's devices are untouched
    assert "Mapped to Mono by admin@acme.example" in client.get(url).content.decode()


def test_rederiving_twice_changes_nothing_more(acme, capsys):
    agent = new_agent()
    konica = konica_history(agent, "10.41.1.1")
    assert map_konica(konica, {PRINT_BLACK: "mono"}).rederived.reads_changed == 3
    after = snapshot(konica)
    again = devices_rederive(devices=[konica])
    assert again.changed == [] and again.reads == 3 and snapshot(konica) == after
    call_command("reinterpret", "--dealer", "acme", "--site", str(agent.site.public_id))
    out = capsys.readouterr().out
    assert "Re-interpreted 1 devices: 3 meter reads re-derived, 0 changed on 0 devices" in out
    assert snapshot(konica) == after


def test_only_an_admin_can_change_a_models_meter_mapping(acme):
    konica = konica_history(new_agent(), "10.41.2.1")
    url = f"/devices/{konica.public_id}/meter-mapping/"
    body = {
        "manufacturer": konica.manufacturer,
        "model": konica.model,
        "counters": [{"oid": PRINT_BLACK, "kind": "mono"}],
    }
    for user in (acme.technician, acme.viewer):
        browser = client_for(acme, user)
        assert browser.get(url).status_code == 403
        assert browser.post(url, {f"counter:{PRINT_BLACK}": "mono"}).status_code == 403
        assert "meter-mapping-link" not in browser.get(f"/devices/{konica.public_id}/").content.decode()
        api = api_client_for(acme, user)
        assert api.put("/api/v1/meter-mappings/", body, content_type="application/json").status_code == 403
    viewer_view = api_client_for(acme, acme.viewer).get(
        "/api/v1/meter-mappings/", {"manufacturer": konica.manufacturer, "model": konica.model}
    )
    assert viewer_view.status_code == 200
    assert not MeterMapping.objects.exists() and "print_mono" in konica.reads.last().values
    assert "meter-mapping-link" in client_for(acme, acme.admin).get(f"/devices/{konica.public_id}/").content.decode()


def test_the_api_refuses_unknown_meters_and_counters_with_reasons(acme):
    konica = konica_history(new_agent(), "10.41.3.1")
    api = api_client_for(acme, acme.admin)
    copy_black = "1.3.6.1.4.1.18334.1.1.1.5.7.2.2.1.5.1.1"
    body = {
        "manufacturer": konica.manufacturer,
        "model": konica.model,
        "counters": [
            {"oid": PRINT_BLACK, "kind": "mnoo"},
            {"oid": "1.2.3.4", "kind": "mono"},
        ],
    }
    response = api.put("/api/v1/meter-mappings/", body, content_type="application/json")
    assert response.status_code == 400
    reasons = " ".join(response.json()["fields"]["counters"])
    assert "'mnoo' is not a billing meter" in reasons and "1.2.3.4: no device of this model states" in reasons
    body["counters"] = [{"oid": PRINT_BLACK, "kind": "mono"}, {"oid": copy_black, "kind": "mono"}]
    response = api.put("/api/v1/meter-mappings/", body, content_type="application/json")
    assert response.status_code == 400 and "mono: fed by 2 counters" in response.json()["fields"]["counters"][0]
    assert not MeterMapping.objects.exists()


def test_a_dealer_maps_a_sharp_row_through_the_api_and_sees_what_changed(acme):
    agent = new_agent()
    sharp = discover(agent, "sharp", "10.41.4.1")
    read(agent, sharp, "sharp", at=hours_ago(20))
    read(agent, sharp, "sharp", at=hours_ago(2))
    api = api_client_for(acme, acme.admin)
    model = {"manufacturer": sharp.manufacturer, "model": sharp.model}
    counters = {c["oid"]: c for c in api.get("/api/v1/meter-mappings/", model).json()["counters"]}
    assert counters[SHARP_SCAN]["profile_kind"] == "unclassified" and counters[SHARP_SCAN]["kind"] is None

    body = {**model, "counters": [{"oid": SHARP_SCAN, "kind": "scan"}]}
    answer = api.put("/api/v1/meter-mappings/", body, content_type="application/json").json()

    assert answer["changed"] and answer["devices"] == 1 and answer["reads_changed"] == 2
    (change,) = answer["changes"]
    assert change["serial"] == sharp.serial and "scan" not in change["before"] and change["after"]["scan"] == 13_534
    assert "scan — → 13,534" in answer["summary"]
    mapped = {c["oid"]: c for c in answer["mapping"]["counters"]}[SHARP_SCAN]
    assert mapped["kind"] == "scan" and mapped["changed_by"] == acme.admin.email
    assert mapped["feeds"] == [{"kind": "scan", "rule": "stated"}]
    assert [c["model"] for c in api.get("/api/v1/meter-mappings/").json()] == [sharp.model]
    back = api.put("/api/v1/meter-mappings/", {**model, "counters": []}, content_type="application/json").json()
    assert back["reads_changed"] == 2 and all("scan" not in r.values for r in sharp.reads.all())


def test_flags_a_dealer_decided_stand_and_open_ones_stay_after_rederiving(acme):
    agent = new_agent()
    konica = discover(agent, KONICA, "10.41.5.1")
    read(agent, konica, KONICA, at=hours_ago(30), edit=counters_at(22_000))
    read(agent, konica, KONICA, at=hours_ago(20), edit=counters_at(22_000, total=10))  # a board swap: reset
    dismissed = konica.flags.get()
    flag_dismiss(flag=dismissed, by="tech@acme.example")
    read(agent, konica, KONICA, at=hours_ago(10), edit=counters_at(22_000, total=5))  # reset again: open
    read(agent, konica, KONICA, at=hours_ago(5), edit=counters_at(22_000, total=8))  # held with that episode
    still_open = konica.flags.get(state="open")
    held = konica.reads.order_by("read_at").last()
    assert held.is_flagged and not held.flags.exists()

    map_konica(konica, {PRINT_BLACK: "mono"})

    assert MeterFlag.objects.get(pk=dismissed.pk).state == "dismissed"
    assert not MeterRead.objects.get(pk=dismissed.read_id).is_flagged
    assert list(konica.flags.filter(state="open").values_list("pk", flat=True)) == [still_open.pk]
    assert MeterRead.objects.get(pk=still_open.read_id).is_flagged
    assert MeterRead.objects.get(pk=held.pk).is_flagged and not held.flags.exists()
    assert [r.values["mono"] for r in konica.reads.order_by("read_at")] == [22_000] * 4
    assert devices_rederive(devices=[konica]).changed == []


# --- the fast path keeps agreeing -----------------------------------------------------------------------------


def test_after_a_mapping_change_a_changes_only_read_stores_what_a_full_read_stores(acme):
    agent = new_agent()
    device = discover(agent, KONICA, "10.41.6.1")
    result_interpret(result=store_result(agent, "read", read_payload(device, KONICA), at=hours_ago(30)))
    map_konica(device, {PRINT_BLACK: "mono"})
    assert not SteadyState.objects.filter(device=device).exists()  # its next read is interpreted in full
    second = store_result(agent, "read", read_payload(device, KONICA), at=hours_ago(20))
    result_interpret(result=second)
    state = SteadyState.objects.get(device=device)
    assert state.mapping == mapping_version({PRINT_BLACK: "mono"})
    assert state.meters[0] == ["mono", PRINT_BLACK, "stated"]  # built from the mapped counters
    _whole, changed = bumped(second.payload["devices"][0]["varbinds"], state.counters)
    third = delta_result(agent, device, second, changed, hours_ago(2))
    before = Device.objects.get(pk=device.pk)

    assert result_interpret(result=third).made_whole == 0
    fast = stored_rows(device, third)
    MeterRead.objects.filter(result=third).delete()
    before.save()
    assert result_interpret(result=third, steady=False).made_whole == 1

    assert stored_rows(device, third) == fast
    black = next(vb[2] for vb in changed if vb[0] == PRINT_BLACK)
    assert fast["read"]["values"]["mono"] == black and "print_mono" not in fast["read"]["values"]


def test_a_steady_state_built_under_another_mapping_is_not_advanced(acme):
    agent = new_agent()
    device = discover(agent, KONICA, "10.41.7.1")
    first = store_result(agent, "read", read_payload(device, KONICA), at=hours_ago(30))
    result_interpret(result=first)
    # A mapping saved while this device's read was being interpreted: the state was built under the old one.
    MeterMapping.objects.create(
        manufacturer=device.manufacturer, model=device.model, oid=PRINT_BLACK, kind="mono", changed_at=hours_ago(1)
    )
    state = SteadyState.objects.get(device=device)
    _whole, changed = bumped(first.payload["devices"][0]["varbinds"], state.counters)
    summary = result_interpret(result=delta_result(agent, device, first, changed, hours_ago(2)))
    assert summary.made_whole == 1
    black = next(vb[2] for vb in changed if vb[0] == PRINT_BLACK)
    assert device.reads.order_by("read_at").last().values["mono"] == black


# --- reinterpret after a profile change -----------------------------------------------------------------------


def _konica_black_counts_as_mono(monkeypatch) -> None:
    """A profile change as a release would ship it: Konica's print black counter is read as mono."""
    profiles = profile_module.load_profiles()

    def changed(profile):
        if profile.name != "konica":
            return profile
        counters = tuple(replace(c, kind="mono") if c.label == "Total print black" else c for c in profile.counters)
        return replace(profile, counters=counters)

    patched = tuple(changed(profile) for profile in profiles)
    monkeypatch.setattr(profile_module, "load_profiles", lambda: patched)


def test_reinterpret_after_a_profile_change_changes_stored_billing_meters(acme, monkeypatch, capsys):
    agent = new_agent()
    konica = konica_history(agent, "10.41.8.1")
    hp = hp_history(agent, "10.41.8.2")
    hp_before, site = snapshot(hp), str(agent.site.public_id)
    old_mono = konica.latest_mono
    _konica_black_counts_as_mono(monkeypatch)

    call_command("reinterpret", "--dealer", "acme", "--site", site, "--profile", "hp")
    assert "0 changed on 0 devices" in capsys.readouterr().out  # only the HP printer was re-derived
    call_command("reinterpret", "--dealer", "acme", "--device", konica.serial, "--since", hours_ago(30).isoformat())
    out = capsys.readouterr().out
    assert f"{konica.serial} ({konica.display_name}): 2 reads changed; mono {old_mono:,} → 23,000" in out
    call_command("reinterpret", "--dealer", "acme", "--site", site)
    out = capsys.readouterr().out

    assert f"{konica.serial} ({konica.display_name}): 1 read changed\n" in out  # the read before --since
    assert [r.values["mono"] for r in konica.reads.order_by("read_at")] == [22_000, 22_500, 23_000]
    konica.refresh_from_db()
    assert konica.latest_mono == 23_000 and max(m.max_mono for m in konica.months.all()) == 23_000
    assert snapshot(hp) == hp_before
    call_command("reinterpret", "--dealer", "acme", "--device", konica.serial)
    assert "1 devices: 3 meter reads re-derived, 0 changed on 0 devices" in capsys.readouterr().out
    call_command("reinterpret", "--dealer", "acme", "--device", konica.serial, "--since", hours_ago(30).isoformat())
    assert "1 devices: 2 meter reads re-derived, 0 changed on 0 devices" in capsys.readouterr().out


# --- re-deriving an untouched history is a no-op -----------------------------------------------------------------


@pytest.mark.parametrize("name", recording_names())
def test_rederiving_an_untouched_history_changes_nothing(acme, name):
    agent = new_agent()
    device = discover(agent, name, "10.41.9.1")
    read(agent, device, name, at=hours_ago(20))
    read(agent, device, name, at=hours_ago(2))
    before = snapshot(device)
    outcome = devices_rederive(devices=[Device.objects.get(pk=device.pk)])
    assert outcome.changed == [] and snapshot(device) == before


def test_rederiving_a_held_reset_episode_changes_nothing(acme):
    agent = new_agent()
    device = discover(agent, KONICA, "10.41.9.2")
    for hours, total in ((30, 100_000), (20, 500), (10, 800)):
        read(agent, device, KONICA, at=hours_ago(hours), edit=set_value(LIFE_COUNT, total))
    before = snapshot(device)
    assert [r["is_flagged"] for r in before["reads"]] == [False, True, True]
    assert devices_rederive(devices=[device]).changed == [] and snapshot(device) == before
