"""Vendor counter tables: typed rows (Ricoh, Lexmark), named rows (Sharp, Kyocera, Xerox), scalars (HP, Konica,
Canon)."""

from __future__ import annotations

from pathlib import Path

import pytest

from meters.interpret import DISCOVERY_OIDS, DeviceReading, identify, interpret
from meters.interpret.meters import kind_for_name
from meters.interpret.plan import plan_for_profile
from meters.interpret.profiles import profile_named
from tests.meters.reading import expectation
from tests.support.snmprec import load_recording, read_with_plan

RICOH = ["1.3.6.1.2.1.1.1.0", "str", "RICOH MP C3004 1.10 / RICOH Network Printer C model"]
RICOH_TABLE = "1.3.6.1.4.1.367.3.2.1.2.19.5.1"
SHARP = ["1.3.6.1.2.1.1.1.0", "str", "SHARP MX-2614N"]
SHARP_TABLE = "1.3.6.1.4.1.2385.1.1.19.2.1"


def _ricoh_row(row: int, counter_type: int, name: str, value: int) -> list[list[object]]:
    return [
        [f"{RICOH_TABLE}.2.{row}", "int", counter_type],
        [f"{RICOH_TABLE}.5.{row}", "str", name],
        [f"{RICOH_TABLE}.9.{row}", "int", value],
    ]


def test_ricoh_rows_are_read_by_their_type_code_whatever_their_position() -> None:
    # Types from the RicohPrivateMIB ricohEngCounterType enumeration; names as Ricoh devices give them.
    varbinds = [
        RICOH,
        *_ricoh_row(1, 10, "Counter: Machine Total", 120_000),
        *_ricoh_row(7, 401, "Counter:Print:Black & White", 70_000),
        *_ricoh_row(3, 403, "Counter:Print:Full Color", 20_000),
        *_ricoh_row(4, 402, "Counter:Print:Single/Two-col.", 500),
        *_ricoh_row(5, 201, "Counter:Copy:Black & White", 25_000),
        *_ricoh_row(2, 203, "Counter:Copy:Full Color", 0),
        *_ricoh_row(9, 301, "Counter:FAX:Black & White", 4_500),
        *_ricoh_row(11, 603, "Development: Black & White", 120_000),
    ]
    meters = {m.kind: m for m in interpret(varbinds).meters if m.kind != "unclassified"}
    stated = {kind: m.value for kind, m in meters.items() if m.rule == "stated"}
    assert stated == {
        "total": 120_000,
        "print_mono": 70_000,
        "print_color": 20_000,
        "copy_mono": 25_000,
        "copy_color": 0,
        "fax_mono": 4_500,
    }
    # Mono and colour are the functions' sums: 119,500 of the machine's 120,000 (the rest single/two-colour).
    assert (meters["mono"].value, meters["mono"].rule) == (99_500, "functions")
    assert (meters["color"].value, meters["color"].rule) == (20_000, "functions")
    # Two-colour prints are not full colour (how they bill is the dealer's contract), and development counts
    # are toner-station developments, not pages: both stay unclassified.
    unclassified = {m.label for m in interpret(varbinds).meters if m.kind == "unclassified"}
    assert unclassified == {"Counter:Print:Single/Two-col.", "Development: Black & White"}


def test_ricoh_functions_that_do_not_add_up_to_the_total_give_no_split() -> None:
    varbinds = [
        RICOH,
        *_ricoh_row(1, 10, "Counter: Machine Total", 120_000),
        *_ricoh_row(2, 401, "Counter:Print:Black & White", 70_000),
        *_ricoh_row(3, 403, "Counter:Print:Full Color", 20_000),
    ]
    reading = interpret(varbinds)
    assert reading.meter("mono") is None and reading.meter("color") is None
    assert reading.meter("print_mono").value == 70_000


def test_ricoh_vendor_total_wins_over_the_printer_mib_life_count() -> None:
    varbinds = [RICOH, *_ricoh_row(1, 10, "Total", 120_000), ["1.3.6.1.2.1.43.10.2.1.4.1.1", "counter32", 119_990]]
    reading = interpret(varbinds)
    assert [m.value for m in reading.meters if m.kind == "total"] == [120_000]


def test_sharp_rows_are_read_by_their_own_names() -> None:
    varbinds = [
        SHARP,
        [f"{SHARP_TABLE}.3.5.4.61", "counter32", 91_164],
        [f"{SHARP_TABLE}.4.5.4.61", "str", "Black & White Total Count"],
        [f"{SHARP_TABLE}.3.5.4.63", "counter32", 29_940],
        [f"{SHARP_TABLE}.4.5.4.63", "str", "Full Color Total Count"],
        [f"{SHARP_TABLE}.3.6.4.70", "counter32", 12_441],
        [f"{SHARP_TABLE}.4.6.4.70", "str", "Document Feeder"],
    ]
    meters = {m.label: (m.kind, m.value) for m in interpret(varbinds).meters}
    assert meters["Black & White Total Count"] == ("mono", 91_164)
    assert meters["Full Color Total Count"] == ("color", 29_940)
    assert meters["Document Feeder"] == ("unclassified", 12_441)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Black & White Total Count", "mono"),
        ("Monochrome", "mono"),
        ("Full Color", "color"),
        ("Copies", "copy"),
        ("Full Color Copy Count", "copy_color"),
        ("Duplex", "duplex"),
        ("Two Color Total Count", "unclassified"),
        ("Black & White Other Count", "unclassified"),
        ("Scan to E-mail/FTP", "unclassified"),
        ("Prints (Document Filing)", "unclassified"),
        ("Black Impressions ", "mono"),
        ("Color Copied Impressions", "copy_color"),
        ("Total Large Impressions", "large"),
        ("A4 Equivalent Impressions", "unclassified"),
        ("Black Printed 2 Sided Sheets", "unclassified"),
        ("Embedded Fax Impressions", "unclassified"),
    ],
)
def test_counter_names_only_map_to_a_kind_when_the_meaning_is_clear(name: str, kind: str) -> None:
    assert kind_for_name(name) == kind


def test_a_missing_vendor_counter_is_absent_not_zero() -> None:
    konica = ["1.3.6.1.2.1.1.1.0", "str", "KONICA MINOLTA bizhub C250i"]
    print_black = "1.3.6.1.4.1.18334.1.1.1.5.7.2.2.1.5.1.2"
    reading = interpret([konica, [print_black, "nosuchinstance", None]])
    assert reading.meter("print_mono") is None
    # Many models lack some of their vendor's counters: absent, and not a problem to show on every read.
    assert print_black not in [p.oid for p in reading.problems]


# --- private counters on real recordings ------------------------------------------------------------------
#
# None of the recordings in shared/snmprec carries these vendors' private counter tables (LibreNMS trims
# its recordings to what it polls): the Xerox, Lexmark, Dell and Toshiba files are two identity lines, the
# Fujifilm and Canon TM-5300 files have no vendor counters. So each test below starts from the device's
# real recording and, where it needs them, adds the rows the vendor's MIB defines, then reads the lot the
# way the portal does: discovery, profile, the profile's own read plan, interpretation. A table the plan
# does not walk, or a row the profile misreads, fails the test.

XCM_DETAIL = "1.3.6.1.4.1.253.8.53.13.2.1"  # XEROX-HOST-RESOURCES-EXT-MIB xcmHrDevDetailEntry
LEXMARK_COUNTS = "1.3.6.1.4.1.641.6.4.2.1.1"  # LEXMARK-MPS-MIB paperGeneralCountEntry
CANON_COUNTER = "1.3.6.1.4.1.1602.1.11.1.3.1.4"
LIFE_COUNT = "1.3.6.1.2.1.43.10.2.1.4.1.1"
SIDES, SHEETS = 4, 5  # LEXMARK-TC-MIB UnitsTC


def read_recording_with(directory: Path, name: str, extra: list[list[object]]) -> DeviceReading:
    """A real recording plus rows it lacks, read through discovery and the matched profile's read plan."""
    recording = load_recording(name, directory) + extra
    discovered = read_with_plan(recording, list(DISCOVERY_OIDS), [])
    gets, walks = plan_for_profile(identify(discovered))
    return interpret(read_with_plan(recording, gets, walks))


def _by_kind(reading: DeviceReading) -> dict[str, int]:
    return {m.kind: m.value for m in reading.meters if m.kind != "unclassified"}


def _xerox_detail(device: int, detail_type: int, index: int, name: str, value: int) -> list[list[object]]:
    suffix = f"{device}.{detail_type}.{index}"
    return [[f"{XCM_DETAIL}.6.{suffix}", "int", value], [f"{XCM_DETAIL}.8.{suffix}", "str", name]]


# Usage counters as a WorkCentre lays them out: billing meters under the printer (hrDeviceIndex 1), copy
# meters under the copier's own device row, names with the trailing space some firmware sends.
XEROX_USAGE = {
    (1, 1): ("Total Impressions", 48_210),
    (1, 34): ("Black Impressions ", 30_115),
    (1, 33): ("Color Impressions", 18_095),
    (1, 7): ("Black Printed Impressions", 26_002),
    (1, 29): ("Color Printed Impressions", 15_870),
    (1, 44): ("Large Impressions", 1_204),
    (1, 9): ("Black Printed 2 Sided Sheets", 9_526),
    (103, 3): ("Black Copied Impressions", 4_113),
    (103, 25): ("Color Copied Impressions", 2_225),
}

XEROX_LIFE_COUNT = 47_006  # prtMarkerLifeCount of the same device, in physical impressions


def _xerox_usage_rows() -> list[list[object]]:
    rows = [vb for (dev, idx), (name, value) in XEROX_USAGE.items() for vb in _xerox_detail(dev, 20, idx, name, value)]
    return [*rows, [LIFE_COUNT, "counter32", XEROX_LIFE_COUNT]]


def test_xerox_usage_counters_are_read_by_name_and_add_up(snmprec_dir: Path) -> None:
    reading = read_recording_with(snmprec_dir, "xerox_workcentre", _xerox_usage_rows())
    meters = _by_kind(reading)
    assert reading.profile == "xerox"
    assert meters["total"] == XEROX_USAGE[(1, 1)][1]
    # What a dealer checks: the device's black and colour impressions make its total, and printed plus
    # copied make each colour (this layout has no fax or report pages).
    assert meters["mono"] + meters["color"] == meters["total"]
    assert meters["print_mono"] + meters["copy_mono"] == meters["mono"]
    assert meters["print_color"] + meters["copy_color"] == meters["color"]
    assert meters["large"] == XEROX_USAGE[(1, 44)][1]
    # Sheets are not impressions: kept with their own label, never a billing meter.
    duplex_sheets = next(m for m in reading.meters if m.label == "Black Printed 2 Sided Sheets")
    assert duplex_sheets.kind == "unclassified"


def test_xerox_total_impressions_beat_the_printer_mib_count_of_a_different_unit(snmprec_dir: Path) -> None:
    # In "A4 Impressions" billing mode a large sheet counts twice in Xerox's meters, so they exceed the
    # Printer-MIB life count; the total the dealer bills must be the one mono and colour add up to.
    reading = read_recording_with(snmprec_dir, "xerox_phaser", _xerox_usage_rows())
    totals = [m for m in reading.meters if m.kind == "total"]
    assert [(m.value, m.label) for m in totals] == [(XEROX_USAGE[(1, 1)][1], "Total Impressions")]


def test_xerox_service_usage_and_other_details_are_never_billed(snmprec_dir: Path) -> None:
    rows = [
        # deviceServiceUsage (230) repeats the names for pages made during a service call.
        *_xerox_detail(1, 230, 34, "Black Impressions", 700),
        *_xerox_detail(1, 20, 34, "Black Impressions", 30_115),
        # deviceName (3), a string detail whose integer column says nothing.
        *_xerox_detail(1, 3, 1, "Xerox WorkCentre 6605DN", 0),
    ]
    reading = read_recording_with(snmprec_dir, "xerox_workcentre", rows)
    assert [(m.kind, m.value) for m in reading.meters] == [("mono", 30_115)]
    service_only = read_recording_with(snmprec_dir, "xerox_workcentre", rows[:2])
    assert service_only.meters == []


@pytest.mark.parametrize("name", ["xerox_workcentre", "xerox_phaser", "xerox_color", "xerox_docuprint"])
def test_xerox_without_usage_counters_reads_its_printer_mib_total_only(snmprec_dir: Path, name: str) -> None:
    reading = read_recording_with(snmprec_dir, name, [[LIFE_COUNT, "counter32", XEROX_LIFE_COUNT]])
    assert reading.profile == "xerox"
    assert [(m.kind, m.value, m.label) for m in reading.meters] == [("total", XEROX_LIFE_COUNT, "prtMarkerLifeCount")]
    assert not [p for p in reading.problems if p.code.startswith("counter")]


def test_fujifilm_c7580_recording_has_no_count_and_gets_no_guess(snmprec_dir: Path) -> None:
    # The recording answers neither the Xerox usage table nor prtMarkerLifeCount; LibreNMS found no
    # counter either (its expectation lists none).
    reading = read_recording_with(snmprec_dir, "fujifilmprinter_c7580", [])
    assert reading.profile == "xerox"
    assert reading.meters == []
    assert (expectation("fujifilmprinter_c7580", snmprec_dir) or {})["counters"] == []


def _lexmark_row(row: int, count_type: int, unit: int, value: int) -> list[list[object]]:
    return [
        [f"{LEXMARK_COUNTS}.2.1.{row}", "int", count_type],
        [f"{LEXMARK_COUNTS}.3.1.{row}", "int", unit],
        [f"{LEXMARK_COUNTS}.4.1.{row}", "counter32", value],
    ]


# paperGeneralCountTable rows of a colour MFP; the row numbers are the model's, the types the MIB's.
LEXMARK_ROWS = [
    (1, 2, SHEETS, 61_377),  # totalSafe in sheets: duplex makes it smaller than the sides count
    (2, 1, SIDES, 83_530),  # totalPicked
    (3, 2, SIDES, 83_411),  # totalSafe
    (4, 3, SIDES, 70_006),  # totalMonoSafe
    (5, 4, SIDES, 13_405),  # totalColorSafe
    (6, 17, SIDES, 61_950),  # printMono
    (7, 18, SIDES, 12_001),  # printColor
    (8, 33, SIDES, 8_056),  # copyMono
    (9, 34, SIDES, 1_404),  # copyColor
    (10, 80, SIDES, 83_420),  # printerPageCount: no meaning given beyond its name
]


@pytest.mark.parametrize("name", ["lexmarkprinter", "toshiba-tec_estudio305", "dell-laser_s5830dn"])
def test_lexmark_general_counts_in_sides_add_up_and_sheets_stay_out(snmprec_dir: Path, name: str) -> None:
    rows = [vb for row in LEXMARK_ROWS for vb in _lexmark_row(*row)]
    reading = read_recording_with(snmprec_dir, name, rows)
    meters = _by_kind(reading)
    sides = {count_type: value for _row, count_type, unit, value in LEXMARK_ROWS if unit == SIDES}
    assert meters["total"] == sides[2]
    assert meters["mono"] + meters["color"] == meters["total"]
    assert (meters["print_mono"], meters["copy_mono"], meters["print_color"], meters["copy_color"]) == (
        sides[17],
        sides[33],
        sides[18],
        sides[34],
    )
    unclassified = {m.label: m.value for m in reading.meters if m.kind == "unclassified"}
    assert unclassified == {"counter type 2 (unit 5)": 61_377, "counter type 1": 83_530, "counter type 80": 83_420}


@pytest.mark.parametrize("name", ["lexmarkprinter", "toshiba-tec_estudio305", "dell-laser_mfp"])
def test_device_without_lexmark_counts_reads_its_printer_mib_total_only(snmprec_dir: Path, name: str) -> None:
    reading = read_recording_with(snmprec_dir, name, [[LIFE_COUNT, "counter32", 5_123]])
    assert [(m.kind, m.value, m.label) for m in reading.meters] == [("total", 5_123, "prtMarkerLifeCount")]
    assert not [p for p in reading.problems if p.code.startswith("counter")]


def test_lexmark_engine_profiles_read_the_table_alike() -> None:
    tables = {name: profile_named(name).counter_tables for name in ("lexmark", "toshiba", "dell")}
    assert tables["lexmark"] == tables["toshiba"] == tables["dell"]


def test_canon_tm5300_recording_reads_its_printer_mib_sheets(snmprec_dir: Path) -> None:
    # The imagePROGRAF answers no Canon counter table, and its Printer-MIB life count is in sheets (as
    # LibreNMS's "Life time sheets" says): kept as its sheets, never billed as a total of pages.
    reading = read_recording_with(snmprec_dir, "canonprinter_tm", [])
    life = next(
        c for c in (expectation("canonprinter_tm", snmprec_dir) or {})["counters"] if c["oid"].endswith(".4.1.1")
    )
    sheets = reading.meter("sheets")
    assert sheets is not None and (sheets.value, sheets.unit) == (life["value"], "sheets")
    assert reading.meter("total") is None and reading.meter("mono") is None


def test_canon_total_and_black_come_from_the_same_one_click_family(snmprec_dir: Path) -> None:
    counters = {101: 52_880, 102: 55_140, 108: 40_310, 109: 41_622}  # 102/109 count a large sheet twice
    rows = [[f"{CANON_COUNTER}.{number}", "counter32", value] for number, value in counters.items()]
    reading = read_recording_with(snmprec_dir, "canonprinter_ir-adv", [*rows, [LIFE_COUNT, "counter32", 52_880]])
    meters = _by_kind(reading)
    assert (meters["total"], meters["mono"]) == (counters[101], counters[108])
    assert meters["mono"] <= meters["total"]
    assert {m.oid for m in reading.meters}.isdisjoint({f"{CANON_COUNTER}.102", f"{CANON_COUNTER}.109"})


# --- the recordings that do carry vendor splits --------------------------------------------------------


def test_sharp_recording_black_and_colour_make_its_life_count(snmprec_dir: Path) -> None:
    reading = read_recording_with(snmprec_dir, "sharp", [])
    meters = _by_kind(reading)
    life = int(next(vb[2] for vb in load_recording("sharp", snmprec_dir) if vb[0] == LIFE_COUNT))
    assert meters["total"] == life  # Sharp's table has no total row: the Printer-MIB's stands
    assert meters["mono"] + meters["color"] == life
    assert meters["print"] + meters["copy"] <= life  # the rest are "Other" pages (reports, lists)


def test_konica_recording_function_splits_stay_within_its_life_count(snmprec_dir: Path) -> None:
    meters = _by_kind(read_recording_with(snmprec_dir, "konica_c250i", []))
    splits = meters["print_mono"] + meters["print_color"] + meters["copy_mono"] + meters["copy_color"]
    # Print and copy never exceed the total; the few pages between are reports, which Konica counts apart.
    assert 0 < splits <= meters["total"]
