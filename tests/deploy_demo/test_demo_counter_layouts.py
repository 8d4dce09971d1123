"""Each demo printer serves its vendor's real counter layout, and its rows add up as the real device's do.

Read from the generated snmprec files (no simulator needed). The OIDs, index shapes and names below
are written from the vendor counter research (vendor MIBs, LibreNMS recordings of a Sharp MX-3570N /
MX-M266NV and a bizhub C250i, GLPI-Agent, Kyocera walks), independently of the generator, so a wrong
OID there fails here. Sums compare start and per-tick step, so they hold at every instant.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from deploy.demo.catalogue import VENDORS
from tests.deploy_demo.conftest import Row, generate
from tests.deploy_demo.snmprec import Count, read

LIFE_COUNT = "1.3.6.1.2.1.43.10.2.1.4.1.1"
PROCESS_COLORANTS = "1.3.6.1.2.1.43.10.2.1.6.1.1"
COLORANT_NAMES = "1.3.6.1.2.1.43.12.1.1.4.1"
NOTHING = Count(0)


def added(counts: Iterable[Count]) -> Count:
    return sum(counts, NOTHING)


@dataclass(frozen=True)
class Printer:
    row: Row
    values: dict[str, Any]

    @property
    def name(self) -> str:
        return f"{self.row['vendor']} {self.row['model']} ({self.row['address']})"

    def count(self, oid: str) -> Count:
        value = self.values[oid]
        assert isinstance(value, Count), f"{self.name}: {oid} is {value!r}"
        return value

    def column(self, prefix: str) -> dict[str, Any]:
        """A table column by index: the part of each OID after `prefix.`."""
        return {
            oid.removeprefix(f"{prefix}."): value for oid, value in self.values.items() if oid.startswith(f"{prefix}.")
        }


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> list[Printer]:
    """Eight rounds of the vendor rotation; seed 33 happens to draw every model of the catalogue."""
    out = tmp_path_factory.mktemp("layouts")
    manifest = generate(out, "--count", "88", "--seed", "33", "--epoch", "1790000000")
    return [Printer(row, read(Path(out) / row["address"] / "public.snmprec")) for row in manifest["devices"]]


def of(fleet: list[Printer], vendor: str) -> Iterator[Printer]:
    printers = [printer for printer in fleet if printer.row["vendor"] == vendor]
    assert printers, f"no {vendor} in the fleet"
    return iter(printers)


def test_the_layout_fleet_has_every_model_of_every_vendor(fleet: list[Printer]) -> None:
    served = {(printer.row["vendor"], printer.row["model"]) for printer in fleet}
    assert served == {(vendor.name, model.name) for vendor in VENDORS for model in vendor.models}


def test_a_mono_printer_states_one_colorant_and_a_colour_one_four_named(fleet: list[Printer]) -> None:
    for printer in fleet:
        colour = printer.row["colour"]
        assert printer.count(PROCESS_COLORANTS) == Count(4 if colour else 1), printer.name
        named = set(printer.column(COLORANT_NAMES).values())
        assert named == ({"black", "cyan", "magenta", "yellow"} if colour else {"black"}), printer.name


HP = "1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2"


def test_hp_total_is_mono_plus_colour(fleet: list[Printer]) -> None:
    for printer in of(fleet, "HP"):
        total, mono = printer.count(f"{HP}.5.0"), printer.count(f"{HP}.6.0")
        assert (f"{HP}.7.0" in printer.values) == printer.row["colour"], printer.name
        colour = printer.count(f"{HP}.7.0") if printer.row["colour"] else NOTHING
        assert total == mono + colour and total == printer.count(LIFE_COUNT), printer.name


CANON = "1.3.6.1.4.1.1602.1.11.1.3.1"
CANON_NAMES = {
    "101": "Total 1",
    "108": "Total (Black 1)",
    "112": "Total (Black/Large)",
    "113": "Total (Black/Small)",
    "122": "Total (Full Color + Single Color/Large)",
    "123": "Total (Full Color + Single Color/Small)",
    "301": "Print (Total 1)",
    "501": "Scan (Total 1)",
}


def test_canon_counter_ids_are_named_and_machine_totals_add_up(fleet: list[Printer]) -> None:
    for printer in of(fleet, "Canon"):
        names, values = printer.column(f"{CANON}.2"), printer.column(f"{CANON}.4")
        expected = set(CANON_NAMES) - (set() if printer.row["colour"] else {"122", "123"})
        expected -= set() if printer.row["mfp"] else {"501"}
        assert set(values) == set(names) == expected, printer.name
        assert all(names[counter_id] == CANON_NAMES[counter_id] for counter_id in names), printer.name
        colour = values.get("122", NOTHING) + values.get("123", NOTHING)
        assert values["108"] == values["112"] + values["113"], printer.name
        assert values["101"] == values["108"] + colour == printer.count(LIFE_COUNT), printer.name
        assert values["112"].start > 0 and values["301"].start <= values["101"].start, printer.name


RICOH = "1.3.6.1.4.1.367.3.2.1.2.19.5.1"
RICOH_NAMES = {
    "10": "Counter: Machine Total",
    "200": "Counter:Copy:Total",
    "201": "Counter:Copy:Black & White",
    "202": "Counter:Copy:Single/Two-color",
    "203": "Counter:Copy:Full Color",
    "300": "Counter:FAX:Total",
    "301": "Counter:FAX:Black & White",
    "400": "Counter:Print:Total",
    "401": "Counter:Print:Black & White",
    "402": "Counter:Print:Single/Two-col.",
    "403": "Counter:Print:Full Color",
    "701": "No. of Printed Sides in Duplex",
}


def _ricoh_by_type(printer: Printer) -> dict[str, Count]:
    types, names, values = (printer.column(f"{RICOH}.{column}") for column in (2, 5, 9))
    assert set(types) == set(names) == set(values), printer.name
    for index, code in types.items():
        assert names[index] == RICOH_NAMES[str(code.start)], f"{printer.name} row {index}"
    return {str(code.start): values[index] for index, code in types.items()}


def test_ricoh_rows_are_typed_and_named_and_machine_total_is_copy_fax_and_print(fleet: list[Printer]) -> None:
    for printer in of(fleet, "Ricoh"):
        rows = _ricoh_by_type(printer)
        by_function = {
            function: added(rows.get(str(code), NOTHING) for code in range(first + 1, first + 4))
            for function, first in (("copy", 200), ("fax", 300), ("print", 400))
        }
        for function, first in (("copy", 200), ("fax", 300), ("print", 400)):
            assert rows.get(str(first), NOTHING) == by_function[function], f"{printer.name} {function}"
        assert rows["10"] == added(by_function.values()) == printer.count(LIFE_COUNT), printer.name
        colour_rows = {"202", "203", "402", "403"} & set(rows)
        assert bool(colour_rows) == printer.row["colour"], printer.name


def test_ricoh_row_positions_differ_by_model(fleet: list[Printer]) -> None:
    positions = {}
    for printer in of(fleet, "Ricoh"):
        types = printer.column(f"{RICOH}.2")
        positions[printer.row["model"]] = next(index for index, code in types.items() if code == Count(401))
    assert len(set(positions.values())) > 1, positions


KONICA = "1.3.6.1.4.1.18334.1.1.1.5.7.2"


def test_konica_total_is_the_sum_of_its_mode_by_function_rows(fleet: list[Printer]) -> None:
    for printer in of(fleet, "Konica Minolta"):
        rows = printer.column(f"{KONICA}.2.1.5")
        modes = {index.split(".")[0] for index in rows}
        assert modes == ({"1", "2"} if printer.row["colour"] else {"1"}), printer.name
        assert set(rows) == {f"{mode}.{function}" for mode in modes for function in ("1", "2")}, printer.name
        assert printer.count(f"{KONICA}.1.1.0") == added(rows.values()) == printer.count(LIFE_COUNT), printer.name
        assert 0 < printer.count(f"{KONICA}.1.3.0").start < printer.count(f"{KONICA}.1.1.0").start, printer.name
        assert printer.count(f"{KONICA}.1.5.0").start > 0, printer.name


KYOCERA = "1.3.6.1.4.1.1347"
KYOCERA_SIZES = (
    *("A3", "B4", "A4", "B5", "A5", "Folio", "Ledger", "Legal", "Letter", "Statement"),
    *("Other1", "Other2", "Banner1", "Banner2"),
)


def test_kyocera_total_adds_up_by_function_by_colour_mode_and_by_paper_size(fleet: list[Printer]) -> None:
    for printer in of(fleet, "Kyocera"):
        total = printer.count(f"{KYOCERA}.43.10.1.1.12.1.1")
        functions = printer.column(f"{KYOCERA}.42.3.1.1.1.1")
        by_mode = printer.column(f"{KYOCERA}.42.3.1.2.1.1")
        assert "1" in functions and total == added(functions.values()), printer.name
        for function, count in functions.items():
            modes = {index.split(".")[1]: value for index, value in by_mode.items() if index.split(".")[0] == function}
            assert set(modes) == ({"1", "2", "3"} if printer.row["colour"] else {"1"}), printer.name
            assert count == added(modes.values()), f"{printer.name} function {function}"
        _assert_kyocera_sizes(printer, total, by_mode)


def _assert_kyocera_sizes(printer: Printer, total: Count, by_mode: dict[str, Count]) -> None:
    sizes = f"{KYOCERA}.42.2.1.1.1"
    assert tuple(printer.column(f"{sizes}.2.1").values()) == KYOCERA_SIZES, printer.name
    size_total, black = printer.column(f"{sizes}.6.1"), printer.column(f"{sizes}.7.1")
    colour = printer.column(f"{sizes}.8.1")
    assert bool(colour) == printer.row["colour"], printer.name
    for size in size_total:
        assert size_total[size] == black[size] + colour.get(size, NOTHING), f"{printer.name} size {size}"
    assert added(size_total.values()) == total, printer.name
    assert added(black.values()) == added(value for index, value in by_mode.items() if index.endswith(".1")), (
        printer.name
    )
    assert added(colour.values()) == added(v for i, v in by_mode.items() if i.endswith(".3")), printer.name
    assert size_total["1"].start > 0 and size_total["3"].start > 0, f"{printer.name}: A3 and A4 pages"


def test_kyocera_and_brother_life_counts_differ_slightly_from_their_billing_totals(fleet: list[Printer]) -> None:
    for printer in (p for p in fleet if p.row["vendor"] in ("Kyocera", "Brother")):
        if printer.row["vendor"] == "Kyocera":
            total = printer.count(f"{KYOCERA}.43.10.1.1.12.1.1")
        else:
            total = printer.values[BROTHER][0]
        life = printer.count(LIFE_COUNT)
        assert life.step == total.step and 0 < life.start - total.start < total.start // 100 + 200, printer.name


LEXMARK = "1.3.6.1.4.1.641.6.4.2.1.1"
SIDES = Count(4)


def test_lexmark_general_counts_are_sides_keyed_by_type_and_add_up(fleet: list[Printer]) -> None:
    for printer in of(fleet, "Lexmark"):
        types, units, values = (printer.column(f"{LEXMARK}.{column}.1") for column in (2, 3, 4))
        assert set(types) == set(units) == set(values) and set(units.values()) == {SIDES}, printer.name
        rows = {code.start: values[index] for index, code in types.items()}
        assert rows[2] == rows[3] + rows.get(4, NOTHING) == printer.count(LIFE_COUNT), printer.name
        assert rows[2] == rows[16] + rows.get(32, NOTHING) + rows.get(48, NOTHING), printer.name
        for function in (16, 32, 48):
            parts = rows.get(function + 1, NOTHING) + rows.get(function + 2, NOTHING)
            assert rows.get(function, NOTHING) == parts, f"{printer.name} type {function}"
        assert bool({4, 18, 34} & set(rows)) == printer.row["colour"], printer.name


SHARP = "1.3.6.1.4.1.2385.1.1.19.2.1"
SHARP_NAMES = {
    "1.4.60": "Prints",
    "1.4.61": "Black & White Print Count",
    "1.4.63": "Full Color Print Count",
    "1.4.75": "Duplex",
    "4.4.60": "Copies",
    "4.4.61": "Black & White Copy Count",
    "4.4.63": "Full Color Copy Count",
    "4.4.64": "Two Color Copy Count",
    "4.4.80": "Single Color Copy Count",
    "5.4.61": "Black & White Total Count",
    "5.4.63": "Full Color Total Count",
    "5.4.64": "Two Color Total Count",
    "5.4.80": "Single Color Total Count",
    "5.5.61": "Black & White Other Count",
    "5.5.63": "Full Color Other Count",
}
SHARP_SCANS = {"50": "Scan to E-mail/FTP", "51": "Black & White Scanner Count", "53": "Full Color Scanner Count"}


def test_sharp_rows_carry_the_recorded_names_and_totals_include_the_other_rows(fleet: list[Printer]) -> None:
    for printer in of(fleet, "Sharp"):
        names, rows = printer.column(f"{SHARP}.4"), printer.column(f"{SHARP}.3")
        assert set(names) == set(rows), printer.name
        scans = "7.4" if printer.row["colour"] else "8.4"  # MX-3570N (colour) and MX-M266NV (mono)
        expected = SHARP_NAMES | {f"{scans}.{code}": name for code, name in SHARP_SCANS.items()}
        assert all(expected[index] == name for index, name in names.items()), printer.name
        for tone in ("61", "63"):
            parts = [rows.get(f"{function}.{tone}", NOTHING) for function in ("1.4", "4.4", "5.5")]
            assert rows[f"5.4.{tone}"] == added(parts), f"{printer.name}: total {tone} = print + copy + other"
        assert rows["1.4.60"] == rows["1.4.61"] + rows.get("1.4.63", NOTHING), printer.name
        assert rows["4.4.60"] == rows["4.4.61"] + rows.get("4.4.63", NOTHING), printer.name
        assert rows["5.4.61"] + rows["5.4.63"] == printer.count(LIFE_COUNT), printer.name
        assert rows[f"{scans}.50"] == rows[f"{scans}.51"] + rows[f"{scans}.53"], printer.name
        assert rows["5.5.61"].start > 0 and ("1.4.63" in rows) == printer.row["colour"], printer.name


XEROX = "1.3.6.1.4.1.253.8.53.13.2.1"
XEROX_NAMES = {
    "1.20.1": "Total Impressions",
    "1.20.7": "Black Printed Impressions",
    "1.20.29": "Color Printed Impressions",
    "1.20.33": "Color Impressions",
    "1.20.34": "Black Impressions",
    "103.20.3": "Black Copied Impressions",
    "103.20.25": "Color Copied Impressions",
}


def test_xerox_impressions_are_named_and_black_plus_colour_is_the_total(fleet: list[Printer]) -> None:
    for printer in of(fleet, "Xerox"):
        names, rows = printer.column(f"{XEROX}.8"), printer.column(f"{XEROX}.6")
        colour_rows = {"1.20.29", "1.20.33", "103.20.25"}
        assert set(names) == set(rows) == set(XEROX_NAMES) - (set() if printer.row["colour"] else colour_rows)
        assert all(XEROX_NAMES[index] == name for index, name in names.items()), printer.name
        black, colour = rows["1.20.34"], rows.get("1.20.33", NOTHING)
        assert rows["1.20.1"] == black + colour == printer.count(LIFE_COUNT), printer.name
        assert (rows["1.20.7"] + rows["103.20.3"]).start <= black.start, printer.name
        assert rows.get("1.20.29", NOTHING) + rows.get("103.20.25", NOTHING) == colour, printer.name


BROTHER = "1.3.6.1.4.1.2435.2.3.9.4.2.1.5.5.10.0"


def test_brother_counter_records_have_total_mono_and_colour(fleet: list[Printer]) -> None:
    for printer in of(fleet, "Brother"):
        records = printer.values[BROTHER]
        assert set(records) == ({0, 1, 2, 6} if printer.row["colour"] else {0, 1, 6}), printer.name
        assert records[0] == records[1] + records.get(2, NOTHING), printer.name


EPSON = "1.3.6.1.4.1.1248.1.2.2.27"


def test_epson_total_is_black_plus_colour(fleet: list[Printer]) -> None:
    for printer in of(fleet, "Epson"):
        total, black = printer.count(f"{EPSON}.1.1.30.1.1"), printer.count(f"{EPSON}.1.1.3.1.1")
        assert (f"{EPSON}.1.1.4.1.1" in printer.values) == printer.row["colour"], printer.name
        colour = printer.count(f"{EPSON}.1.1.4.1.1") if printer.row["colour"] else NOTHING
        assert total == black + colour == printer.count(LIFE_COUNT), printer.name
        functions = printer.column(f"{EPSON}.6.1.4.1.1")
        assert added(functions.values()).start <= total.start, printer.name


SAMSUNG = "1.3.6.1.4.1.236.11.5.11.53.11.2.1"
IMPRESSIONS, FULL_COLOUR, MONO_COLOUR = 7, 1, 3


def test_samsung_rows_by_media_size_and_duplex_sum_to_mono_colour_and_total(fleet: list[Printer]) -> None:
    for printer in of(fleet, "Samsung"):
        columns = {number: printer.column(f"{SAMSUNG}.{number}.1") for number in range(2, 8)}
        assert all(set(column) == set(columns[7]) for column in columns.values()), printer.name
        assert {count.start for count in columns[4].values()} == {IMPRESSIONS}, printer.name
        by_colour = {
            code: added(columns[7][i] for i in columns[7] if columns[6][i].start == code)
            for code in (FULL_COLOUR, MONO_COLOUR)
        }
        assert (
            added(columns[7].values()) == by_colour[FULL_COLOUR] + by_colour[MONO_COLOUR] == printer.count(LIFE_COUNT)
        )
        assert (by_colour[FULL_COLOUR].start > 0) == printer.row["colour"], printer.name
        mono_print = [i for i in columns[7] if (columns[2][i].start, columns[6][i].start) == (1, MONO_COLOUR)]
        assert len(mono_print) == 4, f"{printer.name}: mono print rows by media size and duplex"
