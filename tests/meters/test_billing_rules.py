"""Billing meters from vendor layouts no shared recording has, built on real recordings as each vendor's MIB
lays the rows out (research/vendor-counters.md), and the rules that combine them (meters.interpret.billing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from meters.interpret import DeviceReading
from meters.interpret.billing import billing_values, derive
from meters.interpret.types import BILLING_KINDS
from tests.meters.test_vendor_counters import read_recording_with

PROCESS_COLORANTS = "1.3.6.1.2.1.43.10.2.1.6.1.1"
LIFE_COUNT = "1.3.6.1.2.1.43.10.2.1.4.1.1"
KYOCERA = "1.3.6.1.4.1.1347"


def meters(reading: DeviceReading) -> dict[str, tuple[int, str]]:
    return {m.kind: (m.value, m.rule) for m in reading.meters if m.kind != "unclassified"}


# A colour A3 MFP's paper-size rows, in the device's own order (not the MIB's example order):
# (row, size name, black & white, full colour).
KYOCERA_SIZES = [
    (1, "A4", 150_000, 70_000),
    (2, "Letter", 800, 200),
    (3, "A3", 1_200, 900),
    (4, "Ledger", 300, 100),
    (5, "Other1", 0, 0),
]


def kyocera_colour_mfp_rows() -> list[list[object]]:
    rows: list[list[object]] = [[PROCESS_COLORANTS, "int", 4], [LIFE_COUNT, "counter32", 224_100]]
    for row, name, mono, colour in KYOCERA_SIZES:
        rows += [
            [f"{KYOCERA}.42.2.1.1.1.2.1.{row}", "str", name],
            [f"{KYOCERA}.42.2.1.1.1.6.1.{row}", "int", mono + colour],
            [f"{KYOCERA}.42.2.1.1.1.7.1.{row}", "int", mono],
            [f"{KYOCERA}.42.2.1.1.1.8.1.{row}", "int", colour],
        ]
    functions = {(1, 1): 100_000, (1, 2): 0, (1, 3): 50_000, (2, 1): 50_000, (2, 2): 0, (2, 3): 21_200, (4, 1): 2_300}
    rows += [[f"{KYOCERA}.42.3.1.2.1.1.{f}.{mode}", "int", pages] for (f, mode), pages in functions.items()]
    rows += [[f"{KYOCERA}.42.3.1.1.1.1.{f}", "int", pages] for f, pages in ((1, 150_000), (2, 71_200), (4, 2_300))]
    return [*rows, [f"{KYOCERA}.43.10.1.1.12.1.1", "int", 223_500], [f"{KYOCERA}.46.10.1.1.5.3", "int", 230_478]]


def test_kyocera_colour_a3_mfp_gets_every_billing_meter_its_mib_states(snmprec_dir: Path) -> None:
    found = meters(read_recording_with(snmprec_dir, "kyocera", kyocera_colour_mfp_rows()))
    assert found["total"] == (223_500, "stated")  # the billing total, not the life count of sheets fed (224,100)
    assert found["mono"] == (152_300, "sum") and found["color"] == (71_200, "sum")
    assert found["mono"][0] + found["color"][0] == found["total"][0]
    assert (found["print"], found["copy"], found["fax"]) == ((150_000, "stated"), (71_200, "stated"), (2_300, "stated"))
    assert (found["print_mono"][0], found["print_color"][0], found["copy_mono"][0], found["copy_color"][0]) == (
        100_000,
        50_000,
        50_000,
        21_200,
    )
    # Large is A3 and Ledger, found by the rows' size names wherever they sit.
    assert (found["large"], found["large_mono"], found["large_color"]) == (
        (2_500, "sum"),
        (1_500, "sum"),
        (1_000, "sum"),
    )
    assert found["scan"] == (230_478, "stated")


def test_a_summed_meter_names_every_row_it_came_from(snmprec_dir: Path) -> None:
    reading = read_recording_with(snmprec_dir, "kyocera", kyocera_colour_mfp_rows())
    large = reading.meter("large")
    assert set(large.source_oids) == {f"{KYOCERA}.42.2.1.1.1.6.1.3", f"{KYOCERA}.42.2.1.1.1.6.1.4"}
    assert "A3" in large.label and "Ledger" in large.label


PWG = "1.3.6.1.4.1.2699.1.3.1"


def pwg_rows() -> list[list[object]]:
    """icKeyServiceType: key 1 system totals, 2 print, 3 copy; impressions by key.workType.persistence, with
    waste impressions (work type 6) and power-on counts (persistence 4) that must not be billed."""
    rows: list[list[object]] = [[f"{PWG}.2.1.1.2.{key}", "int", service] for key, service in ((1, 3), (2, 11), (3, 4))]
    impressions = {1: (9_000, 6_500, 2_500), 2: (7_000, 5_000, 2_000), 3: (2_000, 1_500, 500)}
    for key, (total, mono, colour) in impressions.items():
        for column, pages in ((4, total), (5, mono), (7, colour)):
            rows += [
                [f"{PWG}.8.1.1.{column}.{key}.3.3", "counter32", pages],
                [f"{PWG}.8.1.1.{column}.{key}.6.3", "counter32", 77],  # waste
                [f"{PWG}.8.1.1.{column}.{key}.3.4", "counter32", 11],  # since power-on
            ]
    return [*rows, [LIFE_COUNT, "counter32", 9_077]]


def test_pwg_counter_mib_is_read_on_any_printer_that_answers_it(snmprec_dir: Path) -> None:
    found = meters(read_recording_with(snmprec_dir, "tsc", pwg_rows()))
    assert found["total"] == (9_000, "stated")  # the system totals' lifetime work, not the life count
    assert (found["mono"][0], found["color"][0]) == (6_500, 2_500)
    assert (found["print"][0], found["print_mono"][0], found["print_color"][0]) == (7_000, 5_000, 2_000)
    assert (found["copy"][0], found["copy_mono"][0], found["copy_color"][0]) == (2_000, 1_500, 500)


SAMSUNG = "1.3.6.1.4.1.236.11.5.11.53.11.2.1"


def samsung_rows() -> list[list[object]]:
    """scmHrDevCountTable rows: (job type, media size, unit, duplex, colour, value); a sheets row and a scan row
    must stay out of the impressions."""
    counts = [
        (1, 1, 7, 1, 3, 4_000),
        (1, 1, 7, 2, 3, 1_000),
        (1, 2, 7, 1, 3, 200),
        (1, 1, 7, 1, 1, 900),
        (2, 1, 7, 1, 3, 600),
        (2, 1, 7, 1, 1, 100),
        (3, 1, 7, 1, 3, 50),
        (1, 1, 8, 1, 3, 2_500),
        (5, 1, 7, 1, 3, 3_000),
    ]
    rows: list[list[object]] = []
    for n, values in enumerate(counts, start=1):
        rows += [
            [f"{SAMSUNG}.{column}.1.{n}", "int", value]
            for column, value in zip((2, 3, 4, 5, 6, 7), values, strict=True)
        ]
    return [*rows, [PROCESS_COLORANTS, "int", 4], [LIFE_COUNT, "counter32", 6_850]]


def test_samsung_rows_sum_by_job_type_and_colour_in_impressions_only(snmprec_dir: Path) -> None:
    found = meters(read_recording_with(snmprec_dir, "samsungprinter_clx", samsung_rows()))
    assert (found["print_mono"][0], found["print_color"][0], found["print"][0]) == (5_200, 900, 6_100)
    assert (found["copy_mono"][0], found["copy_color"][0], found["fax_mono"][0]) == (600, 100, 50)
    assert found["large"] == (200, "sum")
    # Mono and colour from the functions, which add up to the device's total (its life count of 6,850).
    assert found["mono"] == (5_850, "functions") and found["color"] == (1_000, "functions")


CANON = "1.3.6.1.4.1.1602.1.11.1.3.1.4"


def test_canon_mono_and_colour_are_large_plus_small_when_108_is_absent(snmprec_dir: Path) -> None:
    ids = {101: 60_000, 112: 3_000, 113: 37_000, 122: 1_000, 123: 19_000, 301: 45_000}
    found = meters(
        read_recording_with(
            snmprec_dir, "canonprinter_ir-adv", [[f"{CANON}.{i}", "counter32", v] for i, v in ids.items()]
        )
    )
    assert found["mono"] == (40_000, "sum") and found["color"] == (20_000, "sum")
    assert found["mono"][0] + found["color"][0] == found["total"][0] == 60_000
    assert (found["large_mono"][0], found["large_color"][0], found["print"][0]) == (3_000, 1_000, 45_000)


@pytest.mark.parametrize(
    ("rows", "mono_only", "expected"),
    [
        # Stated mono and colour stand; nothing is derived.
        (
            [("total", "stated", 100), ("mono", "stated", 70), ("color", "stated", 30)],
            False,
            {"total": 100, "mono": 70, "color": 30},
        ),
        # Functions split the total within 0.5 %: derived.
        (
            [
                ("total", "stated", 10_000),
                ("print_mono", "stated", 6_000),
                ("copy_mono", "stated", 1_000),
                ("print_color", "stated", 2_980),
            ],
            False,
            {
                "total": 10_000,
                "mono": 7_000,
                "color": 2_980,
                "print_mono": 6_000,
                "print_color": 2_980,
                "copy_mono": 1_000,
            },
        ),
        # Functions that miss 5 % of the total: no split (some function is not counted).
        (
            [("total", "stated", 10_000), ("print_mono", "stated", 6_000), ("print_color", "stated", 3_500)],
            False,
            {"total": 10_000, "print_mono": 6_000, "print_color": 3_500},
        ),
        # No total to check a split against: none.
        (
            [("print_mono", "stated", 6_000), ("print_color", "stated", 3_500)],
            False,
            {"print_mono": 6_000, "print_color": 3_500},
        ),
        # Mono-only by the device's word.
        ([("total", "stated", 500)], True, {"total": 500, "mono": 500, "color": 0}),
        # Not mono-only: a total alone is a total alone, never "mono = total".
        ([("total", "stated", 500)], False, {"total": 500}),
        # Parts of a summed meter add up; a stated meter of the same kind before them wins.
        (
            [("mono", "part", 10), ("mono", "part", 5), ("large", "stated", 3), ("large", "part", 9)],
            False,
            {"mono": 15, "large": 3},
        ),
    ],
)
def test_billing_rules(rows, mono_only, expected) -> None:
    oids = [f"1.3.6.1.4.1.99999.{n}" for n in range(len(rows))]
    values, sources = billing_values(rows, oids, mono_only=mono_only)
    assert values == expected
    assert set(sources) == set(expected)
    # In billing order (total, mono, colour, then by function), as reports and exports list them.
    assert [d.kind for d in derive(rows, mono_only=mono_only)] == sorted(values, key=BILLING_KINDS.index)
