"""Billing meters of the recorded printers against values written by hand (issue 11): a wrong meter is a wrong invoice.

tests/meters/billing_expectations.toml says, per recording with vendor counters, which billing meters the device
states or a rule allows, their values and rules, taken from the recording and the public source
(../shared/research/vendor-counters.md), never from our output. A meter it does not list must not appear.
Which recordings hold vendor counters, and which are colour by their own word, is decided here from the
recordings themselves, so a recording added to ../shared is checked without anyone remembering to.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from meters.interpret import DeviceReading, Meter
from meters.interpret.types import BILLING_KINDS, RULE_FUNCTIONS, RULE_MONO_ONLY, RULE_STATED, RULE_SUM
from tests.meters.reading import read_device
from tests.support.snmprec import SNMPREC_DIR, Varbind, load_recording, recording_names

EXPECTATIONS: dict[str, dict[str, Any]] = tomllib.loads(
    Path(__file__).with_name("billing_expectations.toml").read_text(encoding="utf-8")
)
RULES = {RULE_STATED, RULE_SUM, RULE_FUNCTIONS, RULE_MONO_ONLY}
METER_KEYS = {"value", "rule", "oids", "record", "source"}
FUNCTIONS_TOLERANCE = 0.005  # per-function meters must add up to the device's total within 0.5 %

# Where vendors state billing counters (vendor-counters.md §16, the per-brand derivation table). Identity,
# supply and maintenance subtrees of the same enterprises are left out on purpose.
VENDOR_COUNTER_OIDS = (
    "1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2.5",  # HP total-engine-page-count (§2)
    "1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2.6",  # HP total-mono-page-count
    "1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2.7",  # HP total-color-page-count
    "1.3.6.1.4.1.11.2.3.9.4.2.1.1.16",  # HP printed-modes / FutureSmart print meters
    "1.3.6.1.4.1.1602.1.11.1.3.1.4",  # Canon counter-ID table (§3.1)
    "1.3.6.1.4.1.1602.1.11.1.4.1.4",  # Canon counter-ID table, older iR
    "1.3.6.1.4.1.1602.1.11.2.1.1.3",  # Canon named counter table (§3.2)
    "1.3.6.1.4.1.1552.21.4.1.3.1.4",  # Océ/PRISMAsync display counters
    "1.3.6.1.4.1.367.3.2.1.2.19",  # Ricoh engine counters (§4)
    "1.3.6.1.4.1.18334.1.1.1.5.7.2",  # Konica Minolta counters (§5)
    "1.3.6.1.4.1.1347.43.10.1.1.12",  # Kyocera kcprtMarkerServiceCount (§6)
    "1.3.6.1.4.1.1347.42.2.1.1.1.6",  # Kyocera impressions by paper size
    "1.3.6.1.4.1.1347.42.2.1.1.1.7",
    "1.3.6.1.4.1.1347.42.2.1.1.1.8",
    "1.3.6.1.4.1.1347.42.3.1",  # Kyocera function x colour tables
    "1.3.6.1.4.1.2385.1.1.19.2.1.3",  # Sharp counter values (§7)
    "1.3.6.1.4.1.253.8.53.13.2.1.6",  # Xerox xcmHrDevDetailValueInteger (§8)
    "1.3.6.1.4.1.641.6.4.2",  # Lexmark paper counts (§9)
    "1.3.6.1.4.1.236.11.5.11.53.11.2.1.7",  # Samsung scmHrDevCount value (§10)
    "1.3.6.1.4.1.236.11.5.11.55.20.2.1.9",  # Samsung scmPrtCount value
    "1.3.6.1.4.1.1129.2.3.50.1.3.21.6.1",  # Toshiba (§11)
    "1.3.6.1.4.1.1248.1.2.2.27.1.1.3",  # Epson B&W (§12)
    "1.3.6.1.4.1.1248.1.2.2.27.1.1.4",  # Epson colour
    "1.3.6.1.4.1.1248.1.2.2.27.1.1.30",  # Epson total
    "1.3.6.1.4.1.1248.1.2.2.27.6.1.4",  # Epson function totals
    "1.3.6.1.4.1.1248.1.2.2.27.6.1.5",  # Epson colour by function
    "1.3.6.1.4.1.2001.1.1.1.1.100.1.1.1.3",  # OKI total (§13)
    "1.3.6.1.4.1.2001.1.1.1.1.11.1.10.170",  # OKI counters
    "1.3.6.1.4.1.2699.1.3.1.8",  # PWG icImpressionTable (§1.2)
    "1.3.6.1.4.1.40093.1.1.3",  # Pantum (§15)
)
BROTHER_COUNTERS = "1.3.6.1.4.1.2435.2.3.9.4.2.1.5.5.10.0"  # §14: records code 01 04 value(4), 0xFF end
BROTHER_COLOUR_RECORD = "02"
# Vendor counters that exist only on colour devices (§2, §5, §6, §8, §12, §1.2); a non-zero one is the
# device's own word that it prints colour.
VENDOR_COLOUR_OIDS = (
    "1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2.7",
    "1.3.6.1.4.1.18334.1.1.1.5.7.2.2.1.5.2",
    "1.3.6.1.4.1.18334.1.1.1.5.7.2.2.1.5.3",
    "1.3.6.1.4.1.18334.1.1.1.5.7.2.2.1.5.4",
    "1.3.6.1.4.1.1347.42.2.1.1.1.8",
    "1.3.6.1.4.1.253.8.53.13.2.1.6.1.20.33",
    "1.3.6.1.4.1.1248.1.2.2.27.1.1.4",
    "1.3.6.1.4.1.2699.1.3.1.8.1.1.7",
)
SHARP_NAMES, SHARP_VALUES = "1.3.6.1.4.1.2385.1.1.19.2.1.4.", "1.3.6.1.4.1.2385.1.1.19.2.1.3."
PROCESS_COLORANTS = "1.3.6.1.2.1.43.10.2.1.6"  # prtMarkerProcessColorants
COLORANT_VALUE = "1.3.6.1.2.1.43.12.1.1.4"  # prtMarkerColorantValue: "black", "cyan", ...


def _under(oid: str, prefixes: Iterable[str]) -> bool:
    return any(oid == p or oid.startswith(p + ".") for p in prefixes)


def _octets(varbind: Varbind) -> bytes:
    return bytes.fromhex(varbind[2]) if varbind[1] == "hex" else str(varbind[2]).encode()


def brother_records(raw: bytes) -> dict[str, int]:
    """Brother's counter records by code (two hex digits), read as §14 lays them out."""
    records, pos = {}, 0
    while pos + 3 <= len(raw) and raw[pos] != 0xFF:
        length = raw[pos + 2]
        records[f"{raw[pos]:02x}"] = int.from_bytes(raw[pos + 3 : pos + 3 + length], "big")
        pos += 3 + length
    return records


def holds_vendor_counters(varbinds: list[Varbind]) -> bool:
    """A vendor billing counter is present (an empty Brother blob holds none)."""
    for vb in varbinds:
        if vb[0] == BROTHER_COUNTERS and brother_records(_octets(vb)):
            return True
        if isinstance(vb[2], int) and _under(vb[0], VENDOR_COUNTER_OIDS):
            return True
    return False


def colour_by_own_word(varbinds: list[Varbind]) -> bool:
    """More than one process colorant, a colorant other than black, or a non-zero vendor colour counter."""
    by_oid = {vb[0]: vb for vb in varbinds}
    for oid, kind, value in varbinds:
        if _under(oid, [PROCESS_COLORANTS]) and isinstance(value, int) and value > 1:
            return True
        if _under(oid, [COLORANT_VALUE]) and str(value).strip().lower() not in ("black", ""):
            return True
        if _under(oid, VENDOR_COLOUR_OIDS) and isinstance(value, int) and value > 0:
            return True
        if oid.startswith(SHARP_NAMES) and "color" in str(value).lower():
            row = by_oid.get(SHARP_VALUES + oid.removeprefix(SHARP_NAMES))
            if row is not None and isinstance(row[2], int) and row[2] > 0:
                return True
        if oid == BROTHER_COUNTERS and brother_records(_octets([oid, kind, value])).get(BROTHER_COLOUR_RECORD):
            return True
    return False


@cache
def _recording_facts(name: str) -> tuple[bool, bool]:
    varbinds = load_recording(name)
    return holds_vendor_counters(varbinds), colour_by_own_word(varbinds)


def with_vendor_counters() -> list[str]:
    return [name for name in recording_names() if _recording_facts(name)[0]]


def colour_with_vendor_counters() -> list[str]:
    return [name for name in with_vendor_counters() if _recording_facts(name)[1]]


def expected_meters(name: str) -> dict[str, dict[str, Any]]:
    return {kind: want for kind, want in EXPECTATIONS[name].items() if kind in BILLING_KINDS}


def billing_meters(reading: DeviceReading) -> dict[str, list[Meter]]:
    meters: dict[str, list[Meter]] = {}
    for meter in reading.meters:
        if meter.kind in BILLING_KINDS:
            meters.setdefault(meter.kind, []).append(meter)
    return meters


EXPECTED = sorted(EXPECTATIONS)
WITH_VENDOR_COUNTERS = with_vendor_counters() or ["<no recordings with vendor counters found>"]
COLOUR_WITH_VENDOR_COUNTERS = colour_with_vendor_counters() or ["<no colour recordings with vendor counters>"]


@pytest.fixture(scope="module")
def read(snmprec_dir: Path) -> Callable[[str], DeviceReading]:
    """The real path of a read (discover, profile, plan, interpret), once per recording."""
    return cache(lambda name: read_device(name, snmprec_dir))


# --- the hand-written file itself -------------------------------------------------------------------------


@pytest.mark.parametrize("name", EXPECTED)
def test_expectation_names_billing_kinds_rules_and_sources(name: str) -> None:
    entry, expected = EXPECTATIONS[name], expected_meters(name)
    assert (SNMPREC_DIR / f"{name}.snmprec").exists(), f"{name}: no such recording"
    unknown_keys = set(entry) - set(BILLING_KINDS) - {"model", "confidence", "absent"}
    assert not unknown_keys, f"{name}: not billing kinds: {sorted(unknown_keys)}"
    assert set(entry.get("absent", [])) <= set(BILLING_KINDS)
    assert not set(entry.get("absent", [])) & set(expected), f"{name}: a kind both expected and absent"
    for kind, want in expected.items():
        assert set(want) <= METER_KEYS, (name, kind, sorted(set(want) - METER_KEYS))
        assert want["rule"] in RULES and want["source"].strip() and want["value"] >= 0, (name, kind)
        assert bool(want.get("oids")) == (want["rule"] != RULE_MONO_ONLY), (name, kind)


@pytest.mark.parametrize("name", EXPECTED)
def test_hand_written_values_add_up_from_the_recording_itself(name: str) -> None:
    """Transcription check: each value is the recording's own number (or sum), and the rules' conditions hold."""
    by_oid = {vb[0]: vb for vb in load_recording(name)}
    expected = {kind: want["value"] for kind, want in expected_meters(name).items()}
    for kind, want in expected_meters(name).items():
        if want["rule"] == RULE_MONO_ONLY:
            assert want["value"] == (expected["total"] if kind == "mono" else 0), (name, kind)
            continue
        parts = [_value_at(by_oid, oid, want.get("record")) for oid in want["oids"]]
        assert sum(parts) == want["value"], (name, kind, parts)
    if RULE_FUNCTIONS in {want["rule"] for want in expected_meters(name).values()}:
        split = expected["mono"] + expected["color"]
        assert abs(split - expected["total"]) <= FUNCTIONS_TOLERANCE * expected["total"], (name, split)


def _value_at(by_oid: dict[str, Varbind], oid: str, record: str | None) -> int:
    vb = by_oid[oid]
    if oid == BROTHER_COUNTERS:
        return brother_records(_octets(vb))[record or ""]
    return int(vb[2])


@pytest.mark.parametrize("name", WITH_VENDOR_COUNTERS)
def test_every_recording_with_vendor_counters_has_hand_written_expectations(name: str) -> None:
    assert name in EXPECTATIONS, f"{name} holds vendor counters: write its billing meters in billing_expectations.toml"


# --- what the interpreter makes of the recordings -----------------------------------------------------------


@pytest.mark.parametrize("name", EXPECTED)
def test_recording_yields_its_hand_written_billing_meters(read: Callable[[str], DeviceReading], name: str) -> None:
    meters = billing_meters(read(name))
    want = {kind: (m["value"], m["rule"]) for kind, m in expected_meters(name).items()}
    ours = {kind: (ms[0].value, ms[0].rule) for kind, ms in meters.items() if kind in want}
    assert ours == want
    for kind, m in expected_meters(name).items():
        missing = set(m.get("oids", [])) - set(meters[kind][0].source_oids)
        assert not missing, f"{name} {kind}: not taken from {sorted(missing)} ({m['source']})"


@pytest.mark.parametrize("name", EXPECTED)
def test_recording_yields_no_billing_meter_the_device_does_not_state(
    read: Callable[[str], DeviceReading], name: str
) -> None:
    meters = billing_meters(read(name))
    present = {kind: [m.value for m in ms] for kind, ms in meters.items()}
    assert {k: v for k, v in present.items() if k in EXPECTATIONS[name].get("absent", [])} == {}, "must be absent"
    assert {k: v for k, v in present.items() if k not in expected_meters(name)} == {}, "not expected"
    assert {k: v for k, v in present.items() if len(v) > 1} == {}, "one meter per kind, or two invoice lines"


@pytest.mark.parametrize("name", COLOUR_WITH_VENDOR_COUNTERS)
def test_colour_recording_with_vendor_counters_gets_a_mono_colour_split(
    read: Callable[[str], DeviceReading], name: str
) -> None:
    reading = read(name)
    assert reading.meter("mono") is not None and reading.meter("color") is not None, (
        f"{name} prints colour by its own word and states vendor counters, yet yields no mono/colour split"
    )
