"""Brother's private counter and consumable records, checked against what bieniu/brother decoded.

The expected values are those of the brother library's own test snapshot
(bieniu/brother tests/snapshots/test_init.ambr) for the same fixtures the recordings were built from.
Percentages there are `round(hundredths / 100)`; the library lower-cases the status text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from meters.interpret import interpret
from meters.interpret.brother import parse_records
from tests.meters.reading import read_device

BROTHER_LIBRARY: dict[str, dict[str, Any]] = {
    "dcp-1618w": {
        "model": "DCP-1618W",
        "firmware": "D1605021248",
        "status": "请等待",
        "meters": {"total": 3914},
        "levels": {"Black toner": 77, "Drum unit": 97},
        "pages": {"Drum unit": 9688},
    },
    "dcp-7070dw": {
        "model": "DCP-7070DW",
        "firmware": "U1307022128VER.J",
        "status": "stap. kopieën:01",
        "meters": {"total": 2652},
        "levels": {"Black toner": 72, "Drum unit": 88},
        "pages": {"Drum unit": 10397},
    },
    "dcp-9020cdw": {
        "model": "DCP-9020CDW",
        "firmware": "ZA1811191217",
        "serial": "E71833C4J372261",
        "status": "tryb uśpienia",
        "meters": {"total": 4939, "mono": 1762, "color": 3177},
        "levels": {
            "Black toner": 91,
            "Cyan toner": 61,
            "Magenta toner": 59,
            "Yellow toner": 20,
            "Black drum": 68,
            "Cyan drum": 68,
            "Magenta drum": 68,
            "Yellow drum": 68,
            "Belt unit": 83,
            "Fuser unit": 91,
            "Paper feeding kit 1": 92,
        },
        "pages": {"Black drum": 10061, "Belt unit": 41160, "Laser unit": 45061, "Paper feeding kit 1": 45750},
    },
    "dcp-j132w": {
        "model": "DCP-J132W",
        "firmware": "Q1906110144",
        "status": "ready",
        "meters": {"total": 879},
        "levels": {"Black ink": 71},
        "pages": {},
    },
    "dcp-l2540dn": {
        "model": "DCP-L2540DN",
        "firmware": "R1906110243",
        "status": "спящий режим",
        "meters": {"total": 333},
        "levels": {"Black toner": 55, "Drum unit": 98},
        "pages": {"Drum unit": 11667},
    },
    "hl-2270dw": {
        "model": "HL-2270DW",
        "firmware": "1.16",
        "status": "sleep",
        "meters": {"total": 4191},
        "levels": {},
        "pages": {"Drum unit": 7809},
    },
    # The library reads this maintenance record as fixed 7-byte chunks and reports black_toner_status
    # 21037313; the HL-5350DN mixes 4- and 1-byte values, which a length-driven parse keeps apart.
    "hl-5350dn": {
        "model": "HL-5350DN",
        "firmware": None,
        "status": "energiesparen trommel ersetz.",
        "meters": {"total": 69411},
        "levels": {},
        "pages": {"Drum unit": 0, "Laser unit": 30589, "Fuser unit": 30589, "Paper feeding kit 1": 73818},
    },
    "mfc-5490cn": {
        "model": "MFC-5490CN",
        "firmware": "U1005271959VER.E",
        "status": "sleep mode",
        "meters": {"total": 8989},
        "levels": {"Black ink": 20, "Cyan ink": 60, "Magenta ink": 30, "Yellow ink": 55},
        "pages": {},
    },
    "mfc-t910dw": {
        "model": "MFC-T910DW",
        "firmware": "M2009041848",
        "status": "oczekiwanie",
        "meters": {"total": 3384, "mono": 185, "color": 3199, "duplex": 1445},
        "levels": {},
        "pages": {},
    },
}


@pytest.mark.parametrize("model", sorted(BROTHER_LIBRARY))
def test_brother_identity_matches_the_brother_library(snmprec_dir: Path, model: str) -> None:
    expected = BROTHER_LIBRARY[model]
    reading = read_device(f"brother-lib_{model}", snmprec_dir)
    assert reading.profile == "brother"
    assert (reading.identity.manufacturer, reading.identity.model) == ("Brother", expected["model"])
    assert reading.identity.firmware == expected["firmware"]
    assert reading.status.console[0].lower() == expected["status"]


@pytest.mark.parametrize("model", sorted(BROTHER_LIBRARY))
def test_brother_serial_placeholder_is_not_passed_on(snmprec_dir: Path, model: str) -> None:
    # The library's fixtures anonymise the serial to the literal "serial_number"; we reject it.
    reading = read_device(f"brother-lib_{model}", snmprec_dir)
    assert reading.identity.serial == BROTHER_LIBRARY[model].get("serial")
    if reading.identity.serial is None:
        assert any(p.code == "garbage_serial" for p in reading.problems)


@pytest.mark.parametrize("model", sorted(BROTHER_LIBRARY))
def test_brother_counters_match_the_brother_library(snmprec_dir: Path, model: str) -> None:
    reading = read_device(f"brother-lib_{model}", snmprec_dir)
    billing = {m.kind: m.value for m in reading.meters if m.kind != "unclassified"}
    assert billing == BROTHER_LIBRARY[model]["meters"]


@pytest.mark.parametrize("model", sorted(BROTHER_LIBRARY))
def test_brother_consumables_match_the_brother_library(snmprec_dir: Path, model: str) -> None:
    expected = BROTHER_LIBRARY[model]
    supplies = {s.description: s for s in read_device(f"brother-lib_{model}", snmprec_dir).supplies}
    levels = {d: round(s.level_percent) for d, s in supplies.items() if s.level_percent is not None}
    pages = {d: s.pages_remaining for d, s in supplies.items() if s.pages_remaining is not None}
    assert levels == expected["levels"]
    assert {d: pages.get(d) for d in expected["pages"]} == expected["pages"]


def test_records_are_split_by_their_length_byte() -> None:
    records, complete = parse_records(bytes.fromhex("1101040000 61a8 310101 01 ff".replace(" ", "")))
    assert complete
    assert records == [("11", bytes.fromhex("000061a8")), ("31", b"\x01")]


def test_a_record_cut_short_is_reported_not_guessed() -> None:
    records, complete = parse_records(bytes.fromhex("00010400000f4a0101040000"))
    assert records == [("00", bytes.fromhex("00000f4a"))]
    assert not complete


def test_brother_record_replaces_the_vague_printer_mib_toner_row() -> None:
    # Brother lasers answer the Printer-MIB toner level with -3 ("some remaining") but keep the exact
    # percentage in their own record: one black toner row, with the exact figure.
    supplies = "1.3.6.1.2.1.43.11.1.1"
    varbinds = [
        ["1.3.6.1.2.1.1.1.0", "str", "Brother NC-8300h, Firmware Ver.1.14"],
        [f"{supplies}.5.1.1", "int", 3],
        [f"{supplies}.6.1.1", "str", "Black Toner Cartridge"],
        [f"{supplies}.8.1.1", "int", -2],
        [f"{supplies}.9.1.1", "int", -3],
        ["1.3.6.1.4.1.2435.2.3.9.4.2.1.5.5.8.0", "hex", "6f01040000157cff"],
    ]
    reading = interpret(varbinds)
    toners = [s for s in reading.supplies if s.kind == "toner"]
    assert [(s.colour, s.level_percent) for s in toners] == [("black", 55.0)]
