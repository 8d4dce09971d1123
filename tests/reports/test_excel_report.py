"""The Excel meter report as a dealer opens it: rows, colours, local dates, empty unknowns, flagged reads, summary."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from reports.excel import DeviceRow, ReportInput, Supply, build_report, report_filename, write_report

NY, TOKYO = "America/New_York", "Asia/Tokyo"
YELLOW, PINK = "FFFF00", "FFC0CB"
UNICODE_LOCATION = "Büro 3. OG \N{EN DASH} Küche \N{HOT BEVERAGE}"
PERIOD_START = {"total": 100_000, "mono": 70_000, "color": 30_000}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def colour_mfp(**overrides: object) -> DeviceRow:
    device = DeviceRow(
        customer="Globex",
        site="Head office",
        site_time_zone=NY,
        manufacturer="HP",
        model="Color LaserJet MFP M479fdw",
        serial="CNB1A2B3C4",
        ip="10.0.0.21",
        location="2nd floor, copy room",
        first_seen=utc(2026, 7, 1, 16, 0),  # summer: EDT, UTC-4
        last_read=utc(2026, 11, 20, 14, 0),  # after DST ended: EST, UTC-5
        meters={"total": 112_345, "mono": 80_000, "color": 32_345, "print": 90_000, "copy": 22_345},
        meters_at_period_start=dict(PERIOD_START),
        start_read_at=utc(2026, 11, 1, 3, 30),  # 23:30 EDT on 31 Oct: the last read before the period
        supplies=[
            Supply("Black Cartridge HP W2030A", "black", 64),
            Supply("Cyan Cartridge HP W2031A", "#00FFFF", 9),
            Supply("Magenta Cartridge", "magenta", None, "some remaining"),
            Supply("Yellow Cartridge", "yellow", 100),
            Supply("Imaging Drum", None, 71, kind="opc"),
        ],
    )
    for name, value in overrides.items():
        setattr(device, name, value)
    return device


def sample_devices() -> list[DeviceRow]:
    return [
        colour_mfp(),
        colour_mfp(
            serial="NEW0000001",
            status="new",
            # 05:30 UTC is 01:30 EDT and 06:30 UTC is 01:30 EST: the hour New York lives twice on 1 Nov 2026
            first_seen=utc(2026, 11, 1, 5, 30),
            last_read=utc(2026, 11, 1, 6, 30),
            location=UNICODE_LOCATION,
        ),
        DeviceRow(
            customer="Globex",
            site="Tokyo branch",
            site_time_zone=TOKYO,
            manufacturer="Kyocera",
            model="ECOSYS M2640idw",
            serial="VCF9000001",
            ip="192.168.7.40",
            location="受付\x00\x00",  # NUL padding as some printers send it
            first_seen=utc(2025, 3, 2, 1, 0),
            last_read=utc(2026, 11, 10, 20, 0),  # 05:00 the next day in Tokyo
            meters={"total": 5_400, "copy": 1_200},  # mono-only: no colour counter at all
            meters_at_period_start={"total": 5_000},
            supplies=[Supply("TK-1150", "black", 12)],
            status="stale",
        ),
        colour_mfp(
            serial="FLAG000001",
            meters={"total": 2_000, "mono": 1_500, "color": 500},  # went backwards: the board was replaced
            flags=["counter reset - offset proposed"],
            flagged_meters=frozenset({"total"}),
        ),
        colour_mfp(serial="NOREAD0001", meters={"total": None, "mono": None}, supplies=[Supply(None, None, None)]),
        DeviceRow(None, None, None, None, None, None, None, None, None, None),
        colour_mfp(serial="FORMULA001", location='=HYPERLINK("http://example.invalid","click")'),
    ]


def sample_report(devices: list[DeviceRow] | None = None) -> ReportInput:
    return ReportInput(
        dealer_name="Acme Copiers & Co",
        customer_name="Globex",
        site_name=None,
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 20),
        generated_at=utc(2026, 11, 21, 12, 0),
        time_zone=NY,
        devices=sample_devices() if devices is None else devices,
        low_supply_percent=15,
    )


@pytest.fixture(scope="module")
def workbook() -> Workbook:
    return load_workbook(io.BytesIO(build_report(sample_report())))


@pytest.fixture(scope="module")
def devices(workbook: Workbook) -> Worksheet:
    return workbook["Devices"]


def headers(ws: Worksheet) -> list[str]:
    return [c.value for c in ws[1]]


def row_of(ws: Worksheet, serial: str | None) -> tuple[Cell, ...]:
    column = headers(ws).index("Serial")
    return next(r for r in ws.iter_rows(min_row=2) if r[column].value == serial)


def cell(ws: Worksheet, serial: str | None, header: str) -> Cell:
    return row_of(ws, serial)[headers(ws).index(header)]


def fill_of(c: Cell) -> str | None:
    return c.fill.fgColor.rgb[-6:] if c.fill.fill_type == "solid" else None


def test_every_device_is_a_row_in_input_order(devices: Worksheet) -> None:
    serials = [row[headers(devices).index("Serial")].value for row in devices.iter_rows(min_row=2)]
    assert serials == [d.serial for d in sample_devices()]
    assert cell(devices, "VCF9000001", "Model").value == "ECOSYS M2640idw"
    assert cell(devices, "VCF9000001", "IP address").value == "192.168.7.40"
    assert cell(devices, "VCF9000001", "Site").value == "Tokyo branch"


def test_new_device_row_is_yellow_and_stale_row_is_pink(devices: Worksheet) -> None:
    assert {fill_of(c) for c in row_of(devices, "NEW0000001")} == {YELLOW}
    assert {fill_of(c) for c in row_of(devices, "VCF9000001")} == {PINK}
    assert {fill_of(c) for c in row_of(devices, "CNB1A2B3C4")} == {None}
    assert cell(devices, "NEW0000001", "Status").value == "New"
    assert cell(devices, "VCF9000001", "Status").value == "Stale"


def test_dates_are_real_datetimes_in_the_site_time_zone(devices: Worksheet) -> None:
    assert cell(devices, "CNB1A2B3C4", "First seen").value == datetime(2026, 7, 1, 12, 0)  # EDT
    assert cell(devices, "CNB1A2B3C4", "Last read").value == datetime(2026, 11, 20, 9, 0)  # EST
    assert cell(devices, "VCF9000001", "Last read").value == datetime(2026, 11, 11, 5, 0)  # Tokyo, next day
    assert cell(devices, "CNB1A2B3C4", "Last read").is_date


def test_dates_across_the_dst_change_keep_their_wall_clock(devices: Worksheet) -> None:
    # Both instants are 01:30 on the clock in New York: once before and once after the clocks went back.
    assert cell(devices, "NEW0000001", "First seen").value == datetime(2026, 11, 1, 1, 30)
    assert cell(devices, "NEW0000001", "Last read").value == datetime(2026, 11, 1, 1, 30)


def test_meter_columns_are_the_kinds_present_and_missing_ones_are_empty_not_zero(devices: Worksheet) -> None:
    names = headers(devices)
    assert {"Total", "Mono", "Colour", "Print", "Copy"} <= set(names)
    assert "Fax" not in names and "Scan" not in names  # no device has them
    assert cell(devices, "VCF9000001", "Colour").value is None
    assert cell(devices, "VCF9000001", "Mono").value is None
    assert cell(devices, "VCF9000001", "Total").value == 5_400
    assert cell(devices, "NOREAD0001", "Total").value is None
    assert cell(devices, "NOREAD0001", "Copy").value is None


def test_meters_are_numbers_with_thousands_separators(devices: Worksheet) -> None:
    total = cell(devices, "CNB1A2B3C4", "Total")
    assert total.value == 112_345 and total.data_type == "n"
    assert total.number_format == "#,##0"


def test_period_volume_is_the_difference_and_unknown_when_counter_went_back(devices: Worksheet) -> None:
    assert cell(devices, "CNB1A2B3C4", "Total in period").value == 12_345
    assert cell(devices, "CNB1A2B3C4", "Colour in period").value == 2_345
    assert cell(devices, "VCF9000001", "Total in period").value == 400
    assert cell(devices, "VCF9000001", "Colour in period").value is None
    assert cell(devices, "FLAG000001", "Total in period").value is None


def test_flagged_meter_is_marked_with_a_note_and_never_looks_normal(devices: Worksheet) -> None:
    flagged, normal = cell(devices, "FLAG000001", "Total"), cell(devices, "CNB1A2B3C4", "Total")
    assert flagged.value == 2_000
    assert flagged.comment is not None and "counter reset" in flagged.comment.text
    assert "(?)" in flagged.number_format and flagged.font.color.rgb.endswith("C00000")
    assert normal.comment is None and "(?)" not in normal.number_format and not normal.font.bold
    assert cell(devices, "FLAG000001", "Mono").comment is None  # the flag names the total counter only
    assert cell(devices, "FLAG000001", "Flags").value == "counter reset - offset proposed"


def test_supply_levels_are_percent_numbers_one_column_per_colour(devices: Worksheet) -> None:
    names = headers(devices)
    assert names.index("Black toner") < names.index("Cyan toner") < names.index("Magenta toner")
    black, cyan = cell(devices, "CNB1A2B3C4", "Black toner"), cell(devices, "CNB1A2B3C4", "Cyan toner")
    assert black.value == 64 and black.number_format == '0"%"'
    assert cyan.value == 9 and cyan.font.bold  # at or under the dealer's 15 % threshold
    assert not black.font.bold
    assert cell(devices, "CNB1A2B3C4", "Magenta toner").value == "some remaining"
    assert cell(devices, "CNB1A2B3C4", "Drum").value == 71
    assert cell(devices, "VCF9000001", "Cyan toner").value is None
    assert "Toner" not in names  # NOREAD0001's supply with no colour, level or state adds no empty column


def test_device_with_nothing_known_is_an_empty_row_not_a_crash(devices: Worksheet) -> None:
    row = row_of(devices, None)
    assert [c.value for c in row] == [None] * len(row)


def test_text_is_kept_as_typed_without_control_characters_or_formulas(devices: Worksheet) -> None:
    assert cell(devices, "NEW0000001", "Location").value == UNICODE_LOCATION
    assert cell(devices, "VCF9000001", "Location").value == "受付"
    formula = cell(devices, "FORMULA001", "Location")
    assert formula.data_type == "s" and formula.value.startswith("=HYPERLINK")


def test_sheet_is_ready_to_filter_scroll_and_print(devices: Worksheet) -> None:
    assert devices.freeze_panes == "D2"  # the header row, and customer, model and serial while scrolling right
    assert headers(devices)[:3] == ["Customer", "Model", "Serial"]
    last = devices.cell(row=1, column=devices.max_column).column_letter
    assert devices.auto_filter.ref == f"A1:{last}{len(sample_devices()) + 1}"
    assert devices.page_setup.orientation == "landscape"
    assert devices.page_setup.fitToWidth == 1 and devices.sheet_properties.pageSetUpPr.fitToPage
    assert devices.print_title_rows == "$1:$1"
    assert devices.page_setup.fitToHeight == 0  # as many pages down as it takes, never squeezed onto one
    assert all(c.font.bold for c in devices[1])


def test_column_widths_follow_the_content(devices: Worksheet) -> None:
    letters = [c.column_letter for c in devices[1]]
    widths = {h: devices.column_dimensions[x].width for h, x in zip(headers(devices), letters, strict=True)}
    assert widths["Model"] >= len("Color LaserJet MFP M479fdw")
    assert widths["Location"] <= 32  # a long location does not push the rest off the printed page
    assert widths["Magenta toner"] >= len("some remaining")
    assert all(7 <= w <= 32 for w in widths.values())


def test_write_report_to_a_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / report_filename(sample_report())
    write_report(sample_report(), path)
    assert path.name == "Globex-2026-11-20.xlsx"
    assert load_workbook(path).sheetnames == ["Devices", "Summary"]


def test_report_without_devices_still_opens_with_a_summary() -> None:
    wb = load_workbook(io.BytesIO(build_report(sample_report(devices=[]))))
    assert wb["Devices"].max_row == 1
    assert headers(wb["Devices"])[:3] == ["Customer", "Model", "Serial"]


def test_the_start_meter_and_its_date_sit_beside_the_current_ones(devices: Worksheet) -> None:
    names = headers(devices)
    assert names.index("Start read") + 1 == names.index("Last read")
    for kind in ("Total", "Mono", "Colour"):
        assert names.index(f"{kind} at start") + 1 == names.index(kind)
    assert cell(devices, "CNB1A2B3C4", "Start read").value == datetime(2026, 10, 31, 23, 30)  # New York, EDT
    assert cell(devices, "CNB1A2B3C4", "Total at start").value == 100_000
    assert cell(devices, "CNB1A2B3C4", "Total").value == 112_345
    assert cell(devices, "VCF9000001", "Colour at start").value is None  # mono printer: empty, never 0
