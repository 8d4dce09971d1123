"""Garbage identity values are rejected with a problem, never passed on as a device's serial or MAC."""

from __future__ import annotations

import pytest

from meters.interpret import interpret

SERIAL = "1.3.6.1.2.1.43.5.1.1.17.1"
MAC = "1.3.6.1.2.1.2.2.1.6.1"
HP_DESCR = ["1.3.6.1.2.1.1.1.0", "str", "HP ETHERNET MULTI-ENVIRONMENT,ROM none,JETDIRECT,JD149"]


def _serial_of(vtype: str, value: str) -> tuple[str | None, list[str]]:
    reading = interpret([HP_DESCR, [SERIAL, vtype, value]])
    return reading.identity.serial, [p.code for p in reading.problems]


@pytest.mark.parametrize(
    ("vtype", "value"),
    [
        ("str", "0000000"),
        ("str", "000000000000"),
        ("str", "XXXXXXXX"),
        ("str", "Unknown"),
        ("str", "N/A"),
        ("str", "        "),
        ("str", ""),
        ("hex", "0000000000"),  # NUL padding only
        ("hex", "41424301024445"),  # control bytes inside
        ("hex", "4142434400000000"),  # NUL padded: a fixed-width buffer, not a serial we can trust
        ("hex", "ff fe 41 42 43 44".replace(" ", "")),  # not UTF-8
    ],
)
def test_garbage_serial_is_rejected_with_a_problem(vtype: str, value: str) -> None:
    serial, problems = _serial_of(vtype, value)
    assert serial is None
    assert "garbage_serial" in problems


@pytest.mark.parametrize("value", ["VNCRC48198", "000A5J431816", "7XQ1R92-132-13", "W492KB03439 "])
def test_real_serial_is_kept(value: str) -> None:
    serial, problems = _serial_of("str", value)
    assert serial == value.strip()
    assert "garbage_serial" not in problems


def test_a_garbage_serial_falls_back_to_the_next_source() -> None:
    vendor = ["1.3.6.1.4.1.11.2.3.9.4.2.1.1.3.3.0", "hex", "0115" + "30303030303030"]  # HP PML "0000000"
    reading = interpret([HP_DESCR, vendor, [SERIAL, "str", "CNB1234567"]])
    assert reading.identity.serial == "CNB1234567"
    assert [p.oid for p in reading.problems if p.code == "garbage_serial"] == [vendor[0]]


@pytest.mark.parametrize("value", ["000000000000", "ffffffffffff"])
def test_null_mac_is_rejected(value: str) -> None:
    reading = interpret([HP_DESCR, [MAC, "hex", value], ["1.3.6.1.2.1.2.2.1.6.2", "hex", "10e7c662708e"]])
    assert reading.identity.mac == "10:e7:c6:62:70:8e"
    assert "garbage_mac" in [p.code for p in reading.problems]


def test_mac_sent_as_printable_text_is_still_read() -> None:
    # Six printable bytes arrive as `str` from the agent ("ABCDEF" is 41:42:43:44:45:46).
    reading = interpret([HP_DESCR, [MAC, "str", "ABCDEF"]])
    assert reading.identity.mac == "41:42:43:44:45:46"


@pytest.mark.parametrize("vtype", ["nosuchobject", "nosuchinstance"])
def test_missing_counter_is_skipped_with_a_problem_never_zero(vtype: str) -> None:
    life_count = "1.3.6.1.2.1.43.10.2.1.4.1.1"
    reading = interpret([HP_DESCR, [life_count, vtype, None]])
    assert reading.meter("total") is None
    assert ("counter_unavailable", life_count) in [(p.code, p.oid) for p in reading.problems]


def test_counter_of_the_wrong_type_is_skipped_with_a_problem() -> None:
    life_count = "1.3.6.1.2.1.43.10.2.1.4.1.1"
    reading = interpret([HP_DESCR, [life_count, "str", "12345"]])
    assert reading.meter("total") is None
    assert "counter_wrong_type" in [p.code for p in reading.problems]


def test_device_without_printer_mib_is_flagged() -> None:
    reading = interpret([HP_DESCR, ["1.3.6.1.2.1.1.5.0", "str", "printer-3"]])
    assert reading.meters == [] and reading.supplies == []
    assert "no_printer_mib" in [p.code for p in reading.problems]


def test_life_count_in_inches_is_not_a_page_total() -> None:
    # A label printer counting tape length (prtMarkerCounterUnit 3, ten-thousandths of inches).
    varbinds = [
        HP_DESCR,
        ["1.3.6.1.2.1.43.10.2.1.3.1.1", "int", 3],
        ["1.3.6.1.2.1.43.10.2.1.4.1.1", "counter32", 19200000],
    ]
    reading = interpret(varbinds)
    assert reading.meter("total") is None
    assert "counter_not_pages" in [p.code for p in reading.problems]
