"""The demo fleet looks like a real segment of printers and its meters move, read over real SNMP."""

import time
from pathlib import Path
from typing import Any

import pytest

from tests.deploy_demo.conftest import Row, ServedFleet, fleet_cli, generate
from tests.support.snmpsim import free_udp_port, random_loopback_network

SYS_DESCR, SYS_OBJECT_ID, SYS_NAME = "1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.2.0", "1.3.6.1.2.1.1.5.0"
IF_PHYS_ADDRESS = "1.3.6.1.2.1.2.2.1.6.1"
SERIAL = "1.3.6.1.2.1.43.5.1.1.17.1"
LIFE_COUNT = "1.3.6.1.2.1.43.10.2.1.4.1.1"
SUPPLIES, COLORANTS = "1.3.6.1.2.1.43.11.1.1", "1.3.6.1.2.1.43.12.1.1"
TONER, INK_CARTRIDGE = 3, 6
ENTERPRISES = "1.3.6.1.4.1."

# Where each vendor keeps its own page counters: (total, mono parts, colour parts). Written from the
# vendors' MIB documentation, independently of the generator, so a wrong OID there fails here.
KM, KY = "1.3.6.1.4.1.18334.1.1.1.5.7.2", "1.3.6.1.4.1.1347.42.3.1.2.1.1"
CANON, EPSON = "1.3.6.1.4.1.1602.1.11.1.3.1.4", "1.3.6.1.4.1.1248.1.2.2.27.1.1"
HP, XEROX, SHARP = "1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2", "1.3.6.1.4.1.253.8.53.13.2.1.6.1.20", "1.3.6.1.4.1.2385.1.1.19.2"
VENDOR_COUNTERS = {
    "HP": (f"{HP}.5.0", [f"{HP}.6.0"], [f"{HP}.7.0"]),
    "Xerox": (f"{XEROX}.1", [f"{XEROX}.34"], [f"{XEROX}.33"]),
    "Sharp": (LIFE_COUNT, [f"{SHARP}.1.3.5.4.61"], [f"{SHARP}.1.3.5.4.63"]),
    "Konica Minolta": (f"{KM}.1.1.0", [f"{KM}.2.1.5.1.1", f"{KM}.2.1.5.1.2"], [f"{KM}.2.1.5.2.1", f"{KM}.2.1.5.2.2"]),
    "Kyocera": (
        "1.3.6.1.4.1.1347.43.10.1.1.12.1.1",
        [f"{KY}.1.1", f"{KY}.2.1", f"{KY}.4.1"],
        [f"{KY}.1.3", f"{KY}.2.3"],
    ),
    "Canon": (f"{CANON}.101", [f"{CANON}.112", f"{CANON}.113"], [f"{CANON}.122", f"{CANON}.123"]),
    "Epson": (f"{EPSON}.30.1.1", [f"{EPSON}.3.1.1"], [f"{EPSON}.4.1.1"]),
}
# ricohEngCounterTable rows move from model to model: read by type (column 2), value in column 9.
RICOH_TABLE, RICOH_TOTAL, RICOH_MONO, RICOH_COLOUR = "1.3.6.1.4.1.367.3.2.1.2.19.5.1", 10, (201, 301, 401), (203, 403)
BROTHER_COUNTERS = "1.3.6.1.4.1.2435.2.3.9.4.2.1.5.5.10.0"
# prtMarkerLifeCount also counts sheets these vendors' billing totals leave out (misfeeds).
LIFE_COUNT_INCLUDES_MISFEEDS = {"Kyocera", "Brother"}

pytestmark = pytest.mark.snmp


def test_two_printers_are_different_vendors_each_on_its_own_address(served_fleet: ServedFleet) -> None:
    colour_mfp = served_fleet.first(colour=True, mfp=True)
    mono = next(row for row in served_fleet.devices if not row["colour"] and row["vendor"] != colour_mfp["vendor"])
    answers = [_identity(served_fleet, row) for row in (colour_mfp, mono)]

    for row, answer in zip((colour_mfp, mono), answers, strict=True):
        assert answer[SERIAL].decode() == row["serial"]
        assert answer[SYS_DESCR].decode() == row["sys_descr"]
        assert answer[SYS_NAME].decode() == row["sys_name"]
        assert answer[IF_PHYS_ADDRESS].hex(":") == row["mac"].lower()
    enterprises = {_enterprise(answer[SYS_OBJECT_ID]) for answer in answers}
    assert len(enterprises) == 2, "two vendors must have two enterprise numbers"
    assert answers[0][SERIAL] != answers[1][SERIAL]


def test_eleven_printers_are_the_eleven_vendors_with_their_own_serials_and_macs(served_fleet: ServedFleet) -> None:
    serials = [row["serial"] for row in served_fleet.devices]
    macs = [row["mac"] for row in served_fleet.devices]
    assert len(set(serials)) == len(serials) and len(set(macs)) == len(macs)
    assert len({row["vendor"] for row in served_fleet.devices}) == len(served_fleet.devices)


def test_vendor_totals_equal_mono_plus_colour_and_the_printer_mib_life_count(served_fleet: ServedFleet) -> None:
    checked = 0
    for row in served_fleet.devices:
        if row["vendor"] in VENDOR_COUNTERS:
            total, mono, colour = _vendor_meters(served_fleet, row)
        elif row["vendor"] == "Brother":
            total, mono, colour = _brother_meters(served_fleet, row)
        elif row["vendor"] == "Ricoh":
            total, mono, colour = _ricoh_meters(served_fleet, row)
        else:
            continue
        assert total > 0 and mono > 0, row
        assert total == mono + colour, f"{row['vendor']} {row['model']}: {total} != {mono} + {colour}"
        assert (colour > 0) == row["colour"], f"{row['model']} colour pages: {colour}"
        checked += 1
    assert checked >= 9, "most vendors expose private mono/colour counters"


def test_a_colour_mfp_has_four_toners_each_with_its_colorant(served_fleet: ServedFleet) -> None:
    row = served_fleet.first(colour=True, mfp=True)
    supplies = served_fleet.snmp.walk(row["address"], SUPPLIES)
    colorants = served_fleet.snmp.walk(row["address"], COLORANTS)

    toners = [index for index in _indices(supplies) if supplies[f"{SUPPLIES}.5.1.{index}"] in (TONER, INK_CARTRIDGE)]
    named = {colorants[f"{COLORANTS}.4.1.{supplies[f'{SUPPLIES}.3.1.{index}']}"].decode() for index in toners}
    assert len(toners) == 4
    assert named == {"black", "cyan", "magenta", "yellow"}
    for index in toners:
        level, capacity = supplies[f"{SUPPLIES}.9.1.{index}"], supplies[f"{SUPPLIES}.8.1.{index}"]
        assert 0 <= level <= capacity, f"supply {index}: {level}/{capacity}"


def test_pages_rise_and_black_toner_falls_between_two_reads(served_fleet: ServedFleet) -> None:
    row, black_level = _colour_printer_with_black_toner_left(served_fleet)
    oids = [LIFE_COUNT, black_level]
    before = served_fleet.snmp.get(row["address"], oids)
    time.sleep(2.0)
    after = served_fleet.snmp.get(row["address"], oids)

    assert after[LIFE_COUNT] > before[LIFE_COUNT]
    assert after[black_level] < before[black_level]


def test_a_seed_always_generates_the_same_fleet(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", "--count", "5", "--seed", "42", "--epoch", "1790000000")
    again = generate(tmp_path / "b", "--count", "5", "--seed", "42", "--epoch", "1790000000")
    other = generate(tmp_path / "c", "--count", "5", "--seed", "43", "--epoch", "1790000000")

    assert first["devices"] == again["devices"]
    for row in first["devices"]:
        snmprec = f"{row['address']}/public.snmprec"
        assert (tmp_path / "a" / snmprec).read_text() == (tmp_path / "b" / snmprec).read_text()
    assert {row["serial"] for row in first["devices"]}.isdisjoint(row["serial"] for row in other["devices"])


def test_each_printer_prints_a_few_pages_a_minute_at_its_own_rate(tmp_path: Path) -> None:
    rates = [row["pages_per_minute"] for row in generate(tmp_path, "--count", "24", "--seed", "3")["devices"]]

    assert all(2 <= rate <= 6 for rate in rates), rates
    assert len(set(rates)) >= len(rates) - 4, f"printers share rates: {sorted(rates)}"  # a few may round alike


def test_stop_ends_the_simulator_and_a_second_stop_says_so(tmp_path: Path) -> None:
    manifest = generate(tmp_path, "--count", "1", "--base-address", str(random_loopback_network().network_address))
    port = free_udp_port([manifest["devices"][0]["address"]])
    pid_file = tmp_path / "fleet.pid"
    fleet_cli("serve", "--data", str(tmp_path), "--port", str(port), "--pid-file", str(pid_file))
    pid = int(pid_file.read_text())

    assert "stopped" in fleet_cli("stop", "--pid-file", str(pid_file)).stdout
    assert _gone(pid)
    assert not pid_file.exists()
    assert "not running" in fleet_cli("stop", "--pid-file", str(pid_file)).stdout


def _identity(fleet: ServedFleet, row: Row) -> dict[str, Any]:
    return fleet.snmp.get(row["address"], [SYS_DESCR, SYS_OBJECT_ID, SYS_NAME, IF_PHYS_ADDRESS, SERIAL])


def _enterprise(sys_object_id: str) -> int:
    assert sys_object_id.startswith(ENTERPRISES), sys_object_id
    return int(sys_object_id.removeprefix(ENTERPRISES).split(".")[0])


def _vendor_meters(fleet: ServedFleet, row: Row) -> tuple[int, int, int]:
    total, mono, colour = VENDOR_COUNTERS[row["vendor"]]
    values = fleet.snmp.get(row["address"], [LIFE_COUNT, total, *mono, *colour])  # one request: one instant
    _assert_life_count(row, values[LIFE_COUNT], values[total])
    return values[total], sum(values[oid] or 0 for oid in mono), sum(values[oid] or 0 for oid in colour)


def _ricoh_meters(fleet: ServedFleet, row: Row) -> tuple[int, int, int]:
    types = fleet.snmp.walk(row["address"], f"{RICOH_TABLE}.2")
    index = {value: oid.rsplit(".", 1)[1] for oid, value in types.items()}
    wanted = {
        code: f"{RICOH_TABLE}.9.{index[code]}" for code in (RICOH_TOTAL, *RICOH_MONO, *RICOH_COLOUR) if code in index
    }
    values = fleet.snmp.get(row["address"], [LIFE_COUNT, *wanted.values()])
    total = values[wanted[RICOH_TOTAL]]
    _assert_life_count(row, values[LIFE_COUNT], total)
    mono, colour = (
        sum(values[wanted[code]] for code in codes if code in wanted) for codes in (RICOH_MONO, RICOH_COLOUR)
    )
    return total, mono, colour


def _assert_life_count(row: Row, life: int, total: int) -> None:
    if row["vendor"] in LIFE_COUNT_INCLUDES_MISFEEDS:
        assert total < life < total * 1.01 + 200, f"{row['vendor']}: life count {life}, billing total {total}"
    else:
        assert life == total, f"{row['vendor']}: Printer-MIB and vendor totals differ"


def _brother_meters(fleet: ServedFleet, row: Row) -> tuple[int, int, int]:
    """brInfoCounter: records of code, 0x01, 0x04, 32-bit count; 00 total, 01 mono, 02 colour; ends with ff."""
    values = fleet.snmp.get(row["address"], [LIFE_COUNT, BROTHER_COUNTERS])
    blob, records = values[BROTHER_COUNTERS], {}
    while blob and blob[0] != 0xFF:
        assert blob[1:3] == b"\x01\x04", blob.hex()
        records[blob[0]] = int.from_bytes(blob[3:7], "big")
        blob = blob[7:]
    _assert_life_count(row, values[LIFE_COUNT], records[0])
    return records[0], records[1], records.get(2, 0)


def _indices(table: dict[str, Any]) -> list[int]:
    return sorted({int(oid.rsplit(".", 1)[1]) for oid in table if oid.startswith(f"{SUPPLIES}.5.1.")})


def _colour_printer_with_black_toner_left(fleet: ServedFleet) -> tuple[Row, str]:
    """A colour printer whose black toner is not about to be replaced (a new one would read higher)."""
    for row in (r for r in fleet.devices if r["colour"]):
        supplies = fleet.snmp.walk(row["address"], SUPPLIES)
        colorants = fleet.snmp.walk(row["address"], COLORANTS)
        for index in _indices(supplies):
            colorant = colorants.get(f"{COLORANTS}.4.1.{supplies[f'{SUPPLIES}.3.1.{index}']}")
            level, capacity = supplies[f"{SUPPLIES}.9.1.{index}"], supplies[f"{SUPPLIES}.8.1.{index}"]
            if colorant == b"black" and level > 0.3 * capacity:
                return row, f"{SUPPLIES}.9.1.{index}"
    pytest.fail("no colour printer with black toner above 30 %")


def _gone(pid: int) -> bool:
    """Exited: no process, or a zombie waiting for a parent that is not ours to reap it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"
