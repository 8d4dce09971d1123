"""Meter validation between reads: resets carry a proposed offset, impossible jumps are flagged."""

from __future__ import annotations

import pytest

from meters.interpret import Meter, validate_read
from meters.interpret.validate import DEFAULT_CEILING_PPM

TOTAL = "1.3.6.1.2.1.43.10.2.1.4.1.1"
MONO = "1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2.6.0"
HOUR = 3600.0


def total(value: int, oid: str = TOTAL) -> Meter:
    return Meter("total", value, oid)


def test_normal_growth_is_not_flagged() -> None:
    assert validate_read([total(10_000)], [total(10_450)], HOUR, 45) == []


def test_unchanged_counter_is_not_flagged() -> None:
    assert validate_read([total(10_000)], [total(10_000)], 8 * HOUR, None) == []


def test_first_read_has_nothing_to_compare() -> None:
    assert validate_read(None, [total(10_000)], 0, None) == []


def test_counter_going_backwards_is_a_reset_with_a_proposed_offset() -> None:
    (flag,) = validate_read([total(271_871), Meter("mono", 5, MONO)], [total(120), Meter("mono", 9, MONO)], HOUR, 30)
    assert (flag.kind, flag.meter_kind, flag.oid) == ("reset", "total", TOTAL)
    # The counter restarted from 0: the pages before it carry on, and the 120 since are counted on top.
    assert flag.proposed_offset == 271_871
    assert (flag.previous, flag.current) == (271_871, 120)


def test_more_pages_than_the_rated_speed_allows_is_a_jump() -> None:
    # A 30 ppm printer cannot print 5,000 pages in an hour (at most 1,800 plus slack).
    (flag,) = validate_read([total(1_000)], [total(6_000)], HOUR, 30)
    assert flag.kind == "jump"
    assert flag.ceiling is not None and flag.ceiling < 5_000
    assert flag.proposed_offset is None


def test_the_same_jump_is_fine_for_a_fast_engine() -> None:
    assert validate_read([total(1_000)], [total(6_000)], HOUR, 100) == []


@pytest.mark.parametrize(
    ("pages", "flagged"), [(DEFAULT_CEILING_PPM * 60, False), (DEFAULT_CEILING_PPM * 60 * 2, True)]
)
def test_unknown_speed_uses_a_generous_ceiling(pages: int, flagged: bool) -> None:
    flags = validate_read([total(0)], [total(pages)], HOUR, None)
    assert bool(flags) is flagged


def test_meters_are_matched_by_kind_and_oid() -> None:
    # A vendor total and the Printer-MIB total are different counters; never compare one with the other.
    previous = [total(500, MONO)]
    assert validate_read(previous, [total(100)], HOUR, 30) == []
