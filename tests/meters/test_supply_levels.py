"""Supply levels: real fractions become percentages, the Printer-MIB's special values stay honest."""

from __future__ import annotations

import pytest

from meters.interpret import interpret

ROW = "1.1"
SUPPLIES = "1.3.6.1.2.1.43.11.1.1"


def _supply(level: int, capacity: int, *, description: str = "Black Toner", supply_type: int = 3, unit: int = 7):
    reading = interpret(
        [
            [f"{SUPPLIES}.5.{ROW}", "int", supply_type],
            [f"{SUPPLIES}.6.{ROW}", "str", description],
            [f"{SUPPLIES}.7.{ROW}", "int", unit],
            [f"{SUPPLIES}.8.{ROW}", "int", capacity],
            [f"{SUPPLIES}.9.{ROW}", "int", level],
        ]
    )
    (supply,) = reading.supplies
    return supply


@pytest.mark.parametrize(
    ("level", "capacity", "state"),
    [(-3, 100, "some_remaining"), (-2, 100, "unknown"), (-1, 100, "other"), (-3, -2, "some_remaining")],
)
def test_special_levels_are_never_a_percentage(level: int, capacity: int, state: str) -> None:
    supply = _supply(level, capacity)
    assert supply.level_percent is None
    assert supply.level_state == state
    assert supply.level_raw == level


@pytest.mark.parametrize("capacity", [-2, -1, 0])
def test_level_against_unknown_capacity_is_not_a_percentage(capacity: int) -> None:
    supply = _supply(100, capacity)
    assert (supply.level_percent, supply.level_state) == (None, "capacity_unknown")


@pytest.mark.parametrize(("level", "capacity", "percent"), [(22050, 45000, 49.0), (11501, 12000, 95.8), (0, 300, 0.0)])
def test_level_is_a_fraction_of_capacity(level: int, capacity: int, percent: float) -> None:
    supply = _supply(level, capacity)
    assert (supply.level_percent, supply.level_state) == (percent, "ok")
    assert (supply.level_raw, supply.max_capacity, supply.unit) == (level, capacity, "impressions")


def test_level_reported_in_percent_unit_is_taken_as_is() -> None:
    assert _supply(37, 1000, unit=19).level_percent == 37.0


def test_colour_comes_from_the_colorant_table_when_there_is_one() -> None:
    reading = interpret(
        [
            [f"{SUPPLIES}.3.{ROW}", "int", 2],
            [f"{SUPPLIES}.5.{ROW}", "int", 3],
            [f"{SUPPLIES}.6.{ROW}", "str", "Toner Cartridge 1"],
            [f"{SUPPLIES}.8.{ROW}", "int", 100],
            [f"{SUPPLIES}.9.{ROW}", "int", 40],
            ["1.3.6.1.2.1.43.12.1.1.4.1.2", "str", "magenta"],
        ]
    )
    assert reading.supplies[0].colour == "magenta"


@pytest.mark.parametrize(
    ("description", "supply_type", "kind", "colour"),
    [
        ("Toner (Cyan)", 1, "toner", "cyan"),
        ("Drum Cartridge (Black)", 1, "drum", "black"),
        ("Waste Toner Box", 1, "waste", None),
        ("Fusing Unit", 1, "fuser", None),
        ("Image Transfer Belt Unit", 1, "transfer", None),
        ("Black Drum 828AHP CF358A", 9, "drum", "black"),
        ("CANON Matte Black Ink Tank", 6, "ink", "matte black"),
        ("Ozone Filter", 1, "other", None),
    ],
)
def test_kind_and_colour_from_the_description_when_the_device_is_vague(
    description: str, supply_type: int, kind: str, colour: str | None
) -> None:
    supply = _supply(50, 100, description=description, supply_type=supply_type)
    assert (supply.kind, supply.colour) == (kind, colour)
