"""Printer status, hrPrinterDetectedErrorState bits, the alert table and console text."""

from __future__ import annotations

import pytest

from meters.interpret import interpret
from meters.interpret.status import error_state_conditions

ERROR_STATE = "1.3.6.1.2.1.25.3.5.1.2.1"


@pytest.mark.parametrize(
    ("octets", "conditions"),
    [
        ("00", []),
        ("0000", []),
        ("80", ["low_paper"]),  # bit 0 is the most significant bit of the first octet
        ("20", ["low_toner"]),  # SHARP MX-3570N with magenta at 19 %
        ("0c", ["door_open", "jammed"]),
        ("01", ["service_requested"]),
        ("0080", ["input_tray_missing"]),  # bit 8: first bit of the second octet
        ("0002", ["overdue_preventive_maintenance"]),
        ("ffff", None),
    ],
)
def test_error_state_bits_are_decoded_msb_first(octets: str, conditions: list[str] | None) -> None:
    decoded = error_state_conditions(bytes.fromhex(octets))
    if conditions is None:
        assert len(decoded) == 15  # every defined bit, and nothing made up for the unused 16th
    else:
        assert decoded == conditions


def test_error_state_sent_as_printable_text_is_decoded_too() -> None:
    # 0x41 0x40 is "A@": printable, so the agent sends it as `str`. 0x41 sets bits 1 and 7, 0x40 bit 9.
    reading = interpret([[ERROR_STATE, "str", "A@"]])
    assert reading.status.conditions == ["no_paper", "service_requested", "output_tray_missing"]


def test_printer_and_device_status_are_named() -> None:
    reading = interpret(
        [
            ["1.3.6.1.2.1.25.3.5.1.1.1", "int", 4],
            ["1.3.6.1.2.1.25.3.2.1.5.1", "int", 3],
            [ERROR_STATE, "hex", "0800"],
        ]
    )
    assert (reading.status.printer_status, reading.status.device_status) == ("printing", "warning")
    assert reading.status.conditions == ["door_open"]


def _alert(row: int, severity: int, group: int, code: int, text: str) -> list[list[object]]:
    base = "1.3.6.1.2.1.43.18.1.1"
    return [
        [f"{base}.2.1.{row}", "int", severity],
        [f"{base}.4.1.{row}", "int", group],
        [f"{base}.7.1.{row}", "int", code],
        [f"{base}.8.1.{row}", "str", text],
    ]


def test_alert_table_rows_become_named_conditions() -> None:
    varbinds = [
        *_alert(1, 4, 11, 1104, "Black toner low"),
        *_alert(2, 3, 13, 8, "Paper jam in tray 2"),
        *_alert(3, 3, 6, 3, "Front cover open"),
        *_alert(4, 3, 5, 30, "Call for service SC542"),
        *_alert(5, 4, 11, 12, "Cyan drum near end"),
        *_alert(6, 1, 1, 1, "Something vendor specific"),
    ]
    alerts = interpret(varbinds).alerts
    assert [(a.severity, a.condition) for a in alerts] == [
        ("warning", "toner_low"),
        ("critical", "jam"),
        ("critical", "door_open"),
        ("critical", "service_requested"),
        ("warning", "supply_low"),
        ("other", None),
    ]
    assert alerts[1].description == "Paper jam in tray 2"
    assert alerts[1].group == "media_path"


def test_console_text_uses_the_localization_charset() -> None:
    varbinds = [
        ["1.3.6.1.2.1.43.7.1.1.4.1.1", "int", 8],  # ISO-8859-5
        ["1.3.6.1.2.1.43.16.5.1.2.1.1", "hex", "c1dfefe9d8d920e0d5d6d8dc20202020"],
    ]
    assert interpret(varbinds).status.console == ["Спящий режим"]
