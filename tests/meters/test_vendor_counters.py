"""Vendor counter tables: typed rows (Ricoh), named rows (Sharp, Kyocera), scalars (HP, Konica)."""

from __future__ import annotations

import pytest

from meters.interpret import interpret
from meters.interpret.meters import kind_for_name

RICOH = ["1.3.6.1.2.1.1.1.0", "str", "RICOH MP C3004 1.10 / RICOH Network Printer C model"]
RICOH_TABLE = "1.3.6.1.4.1.367.3.2.1.2.19.5.1"
SHARP = ["1.3.6.1.2.1.1.1.0", "str", "SHARP MX-2614N"]
SHARP_TABLE = "1.3.6.1.4.1.2385.1.1.19.2.1"


def _ricoh_row(row: int, counter_type: int, name: str, value: int) -> list[list[object]]:
    return [
        [f"{RICOH_TABLE}.2.{row}", "int", counter_type],
        [f"{RICOH_TABLE}.6.{row}", "str", name],
        [f"{RICOH_TABLE}.9.{row}", "int", value],
    ]


def test_ricoh_rows_are_read_by_their_type_code_whatever_their_position() -> None:
    varbinds = [
        RICOH,
        *_ricoh_row(1, 10, "Counter: Machine Total", 120_000),
        *_ricoh_row(7, 401, "Total Prints: Black & White", 70_000),
        *_ricoh_row(3, 402, "Total Prints: Full Color", 20_000),
        *_ricoh_row(4, 403, "Total Prints: Two-color", 500),
        *_ricoh_row(5, 201, "Copy: Black & White", 25_000),
        *_ricoh_row(9, 300, "Fax Print: Black & White", 4_500),
    ]
    meters = {(m.kind, m.value) for m in interpret(varbinds).meters}
    assert {("total", 120_000), ("print_mono", 70_000), ("print_color", 20_000), ("copy_mono", 25_000)} <= meters
    assert ("fax", 4_500) in meters
    # Two-colour prints are not full colour; how they bill is the dealer's contract, so unclassified.
    assert ("unclassified", 500) in meters


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
    ],
)
def test_counter_names_only_map_to_a_kind_when_the_meaning_is_clear(name: str, kind: str) -> None:
    assert kind_for_name(name) == kind


def test_a_missing_vendor_counter_is_absent_not_zero() -> None:
    konica = ["1.3.6.1.2.1.1.1.0", "str", "KONICA MINOLTA bizhub C250i"]
    print_black = "1.3.6.1.4.1.18334.1.1.1.5.7.2.2.1.5.1.2"
    reading = interpret([konica, [print_black, "nosuchinstance", None]])
    assert reading.meter("print_mono") is None
    assert ("counter_unavailable", print_black) in [(p.code, p.oid) for p in reading.problems]
