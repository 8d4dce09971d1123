"""One bad value from one printer costs that printer's read, never the site's upload."""

from django.db import connection

from agents.choices import ResultStatus
from meters.interpret import DISCOVERY_OIDS, identify
from meters.interpret.identity import read_identity
from meters.interpret.varbinds import VarbindIndex
from meters.models import Device, MeterRead
from meters.services.ingest import result_interpret
from tests.meters.ingest_support import LIFE_COUNT, discover, new_agent, read_payload, store_result
from tests.support.snmprec import load_recording, read_with_plan

# Recordings of several makers that state a total and their supplies.
GOOD = [
    "konica_c250i",
    "sharp",
    "jetdirect_m130nw",
    "brother_hl5370dw",
    "printmaster_epson_cw-c6500au",
    "printmaster_kyocera_p2040dw",
    "brother-lib_dcp-9020cdw",
    "utax",
    "brother-lib_hl-5350dn",
]
SUPPLY_LEVEL = "1.3.6.1.2.1.43.11.1.1.9"


def _discovery_entry(recording: str, ip: str, **overrides) -> dict:
    varbinds = read_with_plan(load_recording(recording), list(DISCOVERY_OIDS), [])
    return {"ip": ip, "port": 161, "credential_id": "c1", "is_printer": True, "varbinds": varbinds, **overrides}


def _with_long_serial(entry: dict) -> dict:
    index = VarbindIndex(entry["varbinds"])
    serial = read_identity(index, identify(index), []).serial
    assert serial, "the recording names its serial"
    entry["varbinds"] = [
        [oid, vtype, "S" * 71 if value == serial else value] for oid, vtype, value in entry["varbinds"]
    ]
    return entry


def test_a_discovery_keeps_every_good_printer_when_some_entries_are_broken(acme):
    agent = new_agent()
    entries = [_discovery_entry(recording, f"10.9.0.{n}") for n, recording in enumerate(GOOD, start=1)]
    entries.append(_with_long_serial(_discovery_entry("ricoh_mpc3002", "10.9.0.50")))
    entries.append(_discovery_entry("okilan_9450g", "10.9.0.51", port=99_999_999_999))
    entries.append(_discovery_entry("xerox_phaser", "999.1.2.3"))
    result = store_result(agent, "discover", {"devices": entries})

    summary = result_interpret(result=result)

    found = {device.ip: device for device in Device.objects.filter(site=agent.site)}
    assert set(found) == {f"10.9.0.{n}" for n in range(1, len(GOOD) + 1)} | {"10.9.0.50"}
    assert len(found["10.9.0.50"].serial) <= 64, "a 71-character 'serial' is no identity"
    assert any("10.9.0.51" in error and "port" in error for error in summary.errors), summary.errors
    assert any("999.1.2.3" in error for error in summary.errors), summary.errors
    result.refresh_from_db()
    assert result.status == ResultStatus.INTERPRETED and "10.9.0.51" in result.error


def _set(oid: str, vtype: str, value):
    def edit(varbind):
        return [varbind[0], vtype, value] if varbind[0] == oid else varbind

    return edit


def _first_supply_level(payload: dict) -> str:
    return next(vb[0] for vb in payload["devices"][0]["varbinds"] if vb[0].startswith(SUPPLY_LEVEL + "."))


def test_a_read_keeps_every_good_printer_when_one_sends_impossible_values(acme):
    agent = new_agent()
    devices = [discover(agent, recording, f"10.9.1.{n}") for n, recording in enumerate(GOOD[:6], start=1)]
    entries = [read_payload(device, recording)["devices"][0] for device, recording in zip(devices, GOOD, strict=False)]
    huge, silent, odd_supply = devices[0], devices[1], devices[2]
    entries[0] = read_payload(huge, GOOD[0], _set(LIFE_COUNT, "counter64", 2**64 - 1))["devices"][0]
    entries[1] = {"device_id": str(silent.public_id), "ip": silent.ip, "ok": False, "error": "boom"}
    supply = read_payload(odd_supply, GOOD[2])
    entries[2] = read_payload(odd_supply, GOOD[2], _set(_first_supply_level(supply), "int", 2**40))["devices"][0]

    result_interpret(result=store_result(agent, "read", {"devices": entries}))

    for device in devices[2:]:
        assert MeterRead.objects.filter(device=device).count() == 1, device.model
    assert not MeterRead.objects.filter(total__gt=2**53).exists()
    huge.refresh_from_db()
    assert any(problem["code"] == "counter_out_of_range" for problem in huge.problems), huge.problems
    silent.refresh_from_db()
    assert silent.problems and "boom" in silent.problems[0]["message"]
    assert not odd_supply.supplies.filter(level_raw__gt=2**31).exists()


def test_a_read_the_database_refuses_is_set_aside_and_the_others_are_stored(acme):
    agent = new_agent()
    devices = [discover(agent, recording, f"10.9.2.{n}") for n, recording in enumerate(GOOD[:3], start=1)]
    refused = devices[1]
    with connection.cursor() as cursor:  # a fault inside PostgreSQL itself, for one printer's row only
        cursor.execute(
            "CREATE FUNCTION refuse_read() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF NEW.device_id = {refused.pk} THEN RAISE EXCEPTION 'disk full for this row'; END IF; "
            "RETURN NEW; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER refuse_read BEFORE INSERT ON meters_meterread FOR EACH ROW EXECUTE FUNCTION refuse_read()"
        )
    entries = [read_payload(device, recording)["devices"][0] for device, recording in zip(devices, GOOD, strict=False)]
    result = store_result(agent, "read", {"devices": entries})

    summary = result_interpret(result=result)

    assert summary.reads == 2
    assert [MeterRead.objects.filter(device=device).count() for device in devices] == [1, 0, 1]
    refused.refresh_from_db()
    assert refused.problems[0]["code"] == "read_set_aside" and "disk full" in refused.problems[0]["message"]
    result.refresh_from_db()
    assert result.status == ResultStatus.INTERPRETED and refused.ip in result.error
