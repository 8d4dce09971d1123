"""Every recorded printer goes through discover -> profile -> plan -> read -> interpret.

Where LibreNMS decoded the same recording (`<name>.expected.json`) we check serial, model, supplies and
page counters against it. LibreNMS is a second opinion, not the truth: where it is wrong, the test
pins what we report instead and says why.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from meters.interpret import DeviceReading, Supply
from meters.interpret.types import BILLING_KINDS
from tests.meters.reading import expectation, normalise_model, read_device
from tests.support.snmprec import SNMPREC_DIR, recording_names

ALL_RECORDINGS = recording_names() or ["<no recordings found>"]
EXPECTED = [n for n in ALL_RECORDINGS if (SNMPREC_DIR / f"{n}.expected.json").exists()]
WITH_MODEL = [n for n in EXPECTED if (expectation(n, SNMPREC_DIR) or {}).get("hardware")]

# Models LibreNMS gets wrong, with what we report instead.
MODEL_DISAGREEMENTS = {
    # sysDescr ("bizhub C3110") and sysObjectID (.117, the C3110) agree; LibreNMS took the vendor
    # model OID, which in this recording carries a Develop ineo+ 280's value: the file mixes two devices.
    "konica": "bizhub c3110",
    # LibreNMS shows the IEEE 1284 family name (MDL:"M129-M134"); sysDescr PID and DES name the M130nw.
    "jetdirect_m130nw": "laserjet mfp m130nw",
    # LibreNMS keeps the MAC the firmware appends to the model name ("HL-5370DW [001ba90ba752]").
    "brother_hl5370dw": "hl-5370dw",
    # 683 is Extended Systems' print-server MIB: LibreNMS's "79071" is the ZebraNet card's part number.
    # The printer model comes from its IEEE 1284 ID instead.
    "zebra": "ztc tlp 2824 plus",
}
# Serials LibreNMS reports that are not the printer's.
SERIAL_DISAGREEMENTS = {
    # 1.3.6.1.4.1.683.1.5.0 is the ZebraNet print server's serial, not the printer's: we claim none.
    "zebra": None,
}
# LibreNMS descriptions of counters and the meter kind each one is; anything else LibreNMS lists
# (power-on counts, jam counts, two-colour or filing counts) must not become a billing meter.
COUNTER_KINDS = {
    "Life time impressions": "total",
    "Life time sheets": "sheets",  # a count of sheets is not the sides a dealer bills: never the total
    "Life time ?": "total",
    "Total page cnt": "total",
    "Total Mono cnt": "mono",
    "Total Duplex cnt": "duplex",
    "Lifetime scanned": "scan",
    "Total copy black": "copy_mono",
    "Total copy color": "copy_color",
    "Total print black": "print_mono",
    "Total print color": "print_color",
    "Total print duplex": "duplex",
    "Total scans": "scan",
    "Black & White Total Count": "mono",
    "Full Color Total Count": "color",
    "Black & White Print Count": "print_mono",
    "Full Color Print Count": "print_color",
    "Black & White Copy Count": "copy_mono",
    "Full Color Copy Count": "copy_color",
    "Prints": "print",
    "Copies": "copy",
    "Duplex": "duplex",
}
BILLING_KINDS = set(BILLING_KINDS)
# LibreNMS supply types -> our kinds ("markerSupply" is LibreNMS's catch-all, so it is not checked).
SUPPLY_KINDS = {
    "toner": "toner",
    "tonerCartridge": "toner",
    "opc": "drum",
    "wasteToner": "waste",
    "wasteInk": "waste",
    "ink": "ink",
    "inkCartridge": "ink",
    "fuser": "fuser",
    "transferUnit": "transfer",
    "staples": "staples",
    "developer": "developer",
}
SUPPLY_LEVEL = "1.3.6.1.2.1.43.11.1.1.9."


@pytest.fixture(scope="module")
def readings(snmprec_dir: Path) -> dict[str, DeviceReading]:
    return {name: read_device(name, snmprec_dir) for name in recording_names(snmprec_dir)}


@pytest.mark.parametrize("name", ALL_RECORDINGS)
def test_every_recording_reads_without_crashing_and_names_a_profile(
    readings: dict[str, DeviceReading], name: str
) -> None:
    reading = readings[name]
    assert reading.profile
    assert all(m.value >= 0 and m.oid for m in reading.meters)
    assert all(s.level_percent is None or 0 <= s.level_percent <= 100 for s in reading.supplies)


@pytest.mark.parametrize("name", EXPECTED)
def test_serial_matches_librenms(readings: dict[str, DeviceReading], snmprec_dir: Path, name: str) -> None:
    expected = expectation(name, snmprec_dir) or {}
    want = SERIAL_DISAGREEMENTS.get(name, expected["serial"])
    assert readings[name].identity.serial == want


@pytest.mark.parametrize("name", WITH_MODEL)
def test_model_matches_librenms(readings: dict[str, DeviceReading], snmprec_dir: Path, name: str) -> None:
    expected = expectation(name, snmprec_dir) or {}
    identity = readings[name].identity
    want = MODEL_DISAGREEMENTS.get(name) or normalise_model(expected["hardware"], identity.manufacturer)
    assert normalise_model(identity.model, identity.manufacturer) == want


def _check_supply(ours: Supply, theirs: dict[str, Any]) -> None:
    assert (ours.level_raw, ours.max_capacity) == (theirs["raw_level"], theirs["raw_max"])
    if theirs["type"] in SUPPLY_KINDS:
        assert ours.kind == SUPPLY_KINDS[theirs["type"]], theirs["descr"]
    if theirs["raw_level"] == -3:
        # LibreNMS shows "some remaining" as 50 %; the device never said 50, so neither do we.
        assert (ours.level_percent, ours.level_state) == (None, "some_remaining")
    elif theirs["raw_max"] <= 0:
        # Capacity unknown (-2): LibreNMS prints the raw level as a percentage (Sharp's waste box
        # reads 100 of "unknown"); a percentage of an unknown capacity is not a number we can give.
        assert ours.level_percent is None
    else:
        assert round(ours.level_percent or 0) == theirs["librenms_percent"], theirs["descr"]


@pytest.mark.parametrize("name", EXPECTED)
def test_supplies_match_librenms(readings: dict[str, DeviceReading], snmprec_dir: Path, name: str) -> None:
    expected = expectation(name, snmprec_dir) or {}
    ours = {s.oid: s for s in readings[name].supplies}
    for theirs in expected["supplies"]:
        oid = theirs["level_oid"].lstrip(".")
        # Paper trays (prtInputTable) are not consumables; LibreNMS also lists a Ricoh-MIB toner row
        # for a Brother HL-5370DW (raw level None), an OID that printer never answered.
        if oid.startswith(SUPPLY_LEVEL):
            assert oid in ours, theirs["descr"]
            _check_supply(ours[oid], theirs)


@pytest.mark.parametrize("name", EXPECTED)
def test_page_counters_match_librenms(readings: dict[str, DeviceReading], snmprec_dir: Path, name: str) -> None:
    expected = expectation(name, snmprec_dir) or {}
    reading = readings[name]
    ours = {m.oid: m for m in reading.meters}
    for counter in expected["counters"]:
        oid, kind = counter["oid"].lstrip("."), COUNTER_KINDS.get(counter["descr"])
        if kind == "total":
            assert reading.meter("total") is not None and reading.meter("total").value == counter["value"]
        elif kind == "sheets":
            assert reading.meter("total") is None, "a life count in sheets is not a billing total"
            assert reading.meter("sheets").value == counter["value"]
        elif kind:
            assert (ours[oid].kind, ours[oid].value) == (kind, counter["value"]), counter["descr"]
        elif oid in ours:
            assert ours[oid].kind not in BILLING_KINDS, f"{counter['descr']} is not a billing meter"
