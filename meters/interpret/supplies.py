"""Printer-MIB consumables (prtMarkerSuppliesTable), with the special levels kept honest."""

from __future__ import annotations

import re
from functools import lru_cache

from . import printer_mib as mib
from .profiles import Profile
from .types import Problem, Supply
from .varbinds import VarbindIndex, as_int

# Description patterns, first hit wins: used when the type is other/unknown (Konica bizhub reports
# type 1 for toner, drum and fuser alike) and for the colour when there is no colorant table.
_KIND_WORDS = (
    ("waste", re.compile(r"waste|collect|used toner|resid", re.IGNORECASE)),
    ("drum", re.compile(r"drum|\bopc\b|photo ?conductor|imaging unit|image unit", re.IGNORECASE)),
    ("developer", re.compile(r"developer", re.IGNORECASE)),
    ("fuser", re.compile(r"fus(?:er|ing)", re.IGNORECASE)),
    ("transfer", re.compile(r"transfer|\bbelt\b", re.IGNORECASE)),
    ("staples", re.compile(r"stapl", re.IGNORECASE)),
    ("ink", re.compile(r"\bink\b", re.IGNORECASE)),
    ("toner", re.compile(r"toner|cartridge", re.IGNORECASE)),
)
_COLOUR_WORDS = (
    ("matte black", re.compile(r"matte? black", re.IGNORECASE)),
    ("photo black", re.compile(r"photo black", re.IGNORECASE)),
    ("black", re.compile(r"black|\bbk\b|\bschwarz|\bnoir", re.IGNORECASE)),
    ("cyan", re.compile(r"cyan", re.IGNORECASE)),
    ("magenta", re.compile(r"magenta", re.IGNORECASE)),
    ("yellow", re.compile(r"yellow|\bgelb", re.IGNORECASE)),
    ("gray", re.compile(r"gr[ae]y", re.IGNORECASE)),
)
_COLOURED_KINDS = frozenset({"toner", "ink", "drum", "developer"})


@lru_cache(maxsize=4096)  # a fleet's supplies repeat a few descriptions: each is classified once
def kind_from_description(description: str) -> str:
    return next((kind for kind, pattern in _KIND_WORDS if pattern.search(description)), "other")


@lru_cache(maxsize=4096)
def colour_from_description(description: str) -> str | None:
    return next((colour for colour, pattern in _COLOUR_WORDS if pattern.search(description)), None)


def part_number(profile: Profile, description: str) -> str | None:
    for pattern in profile.part_numbers:
        found = pattern.search(description)
        if found:
            return found.group(1)
    return None


def level_percent(level: int | None, capacity: int | None, unit: int | None) -> tuple[float | None, str]:
    """(percent, state); the Printer-MIB's -1/-2/-3 never become a made-up number."""
    if level is None:
        return None, "unknown"
    if level < 0:
        return None, mib.LEVEL_STATES.get(level, "unknown")
    if unit == 19:  # the level is itself a percentage
        return float(min(level, 100)), "ok"
    if capacity is None or capacity <= 0:
        return None, "capacity_unknown"
    return round(min(level, capacity) * 100 / capacity, 1), "ok"


def _colour(index: VarbindIndex, row: str, description: str, kind: str) -> str | None:
    colorant = index.integer(f"{mib.PRT_SUPPLIES_COLORANT_INDEX}.{row}")
    if colorant:
        device = row.split(".", 1)[0]
        value = index.text(f"{mib.PRT_COLORANT_VALUE}.{device}.{colorant}")
        if value and value.strip().lower() not in ("", "unknown", "other"):
            return value.strip().lower()
    return colour_from_description(description) if kind in _COLOURED_KINDS else None


def _kind(index: VarbindIndex, row: str, description: str) -> str:
    supply_type = index.integer(f"{mib.PRT_SUPPLIES_TYPE}.{row}")
    return mib.SUPPLY_TYPE_KINDS.get(supply_type or 0) or kind_from_description(description)


def _supply(index: VarbindIndex, profile: Profile, row: str, level_oid: str) -> Supply:
    description = " ".join((index.text(f"{mib.PRT_SUPPLIES_DESCR}.{row}") or "").split())
    kind = _kind(index, row, description)
    found = index.get(level_oid)
    level = _integer32(as_int(*found) if found else None)
    capacity = _integer32(index.integer(f"{mib.PRT_SUPPLIES_MAX}.{row}"))
    unit = index.integer(f"{mib.PRT_SUPPLIES_UNIT}.{row}")
    percent, state = level_percent(level, capacity, unit)
    return Supply(
        description=description,
        kind=kind,
        colour=_colour(index, row, description, kind),
        level_percent=percent,
        level_raw=level,
        max_capacity=capacity,
        unit=mib.SUPPLY_UNITS.get(unit or 0),
        level_state=state,
        oid=level_oid,
        part_number=part_number(profile, description),
    )


def _integer32(value: int | None) -> int | None:
    """The Printer-MIB's levels and capacities are Integer32: a reply outside it is broken, not a level."""
    return value if value is not None and -(2**31) <= value < 2**31 else None


def read_supplies(index: VarbindIndex, profile: Profile, problems: list[Problem]) -> list[Supply]:
    supplies = []
    for row, level_oid, vtype, value in index.subtree(mib.PRT_SUPPLIES_LEVEL):
        if as_int(vtype, value) is None:
            problems.append(Problem("bad_supply_level", f"supply level of type {vtype} ignored", level_oid))
            continue
        supplies.append(_supply(index, profile, row, level_oid))
    return supplies
