"""Page counters: vendor scalars, self-describing vendor tables, then the Printer-MIB life count."""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from typing import Any

from . import printer_mib as mib
from .profiles import PROFILES_DIR, CounterTable, Profile
from .types import Meter, Problem
from .varbinds import COUNTER_TYPES, EXCEPTION_TYPES, VarbindIndex, as_text


@lru_cache(maxsize=1)
def counter_name_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    with (PROFILES_DIR / "_counter_names.toml").open("rb") as handle:
        raw = tomllib.load(handle)
    return tuple((re.compile(pattern), kind) for pattern, kind in raw["patterns"])


def kind_for_name(name: str) -> str:
    folded = " ".join(name.lower().split())
    return next((kind for pattern, kind in counter_name_patterns() if pattern.search(folded)), "unclassified")


def counter_value(index: VarbindIndex, oid: str, problems: list[Problem]) -> int | None:
    """A counter's value, or None with a problem: an unreadable counter is never a 0."""
    found = index.get(oid)
    if found is None:
        return None
    vtype, value = found
    if vtype in EXCEPTION_TYPES:
        problems.append(Problem("counter_unavailable", f"device answered {vtype}", oid))
        return None
    if vtype not in COUNTER_TYPES or not isinstance(value, int) or isinstance(value, bool):
        problems.append(Problem("counter_wrong_type", f"counter of type {vtype} ignored", oid))
        return None
    if value < 0:
        problems.append(Problem("counter_negative", f"negative counter {value} ignored", oid))
        return None
    return value


class MeterSet:
    """Meters in priority order; the first source of a kind wins, later ones are fallbacks."""

    def __init__(self) -> None:
        self.meters: list[Meter] = []
        self._kinds: set[str] = set()

    def add(self, meter: Meter) -> None:
        if meter.kind == "unclassified" or meter.kind not in self._kinds:
            self.meters.append(meter)
            self._kinds.add(meter.kind)

    def has(self, kind: str) -> bool:
        return kind in self._kinds


def _scalar_counters(index: VarbindIndex, profile: Profile, found: MeterSet, problems: list[Problem]) -> None:
    for counter in profile.counters:
        if found.has(counter.kind):
            continue
        value = counter_value(index, counter.oid, problems)
        if value is not None:
            found.add(Meter(counter.kind, value, counter.oid, counter.label))


Column = dict[str, tuple[str, Any]]


def _row_kind(table: CounterTable, types: Column, suffix: str, label: str) -> str:
    """Typed tables (Ricoh) map the row's type code; named tables (Sharp) classify the row's name."""
    if table.type_column is None:
        return kind_for_name(label)
    found = types.get(suffix)
    return table.types.get(str(found[1]), "unclassified") if found else "unclassified"


def _row_label(names: Column, types: Column, suffix: str) -> str:
    """The device's own name for a row, else its type code."""
    label = " ".join((as_text(*names[suffix]) or "").split()) if suffix in names else ""
    if suffix in types and not label:
        label = f"counter type {types[suffix][1]}"
    return label


def _row_unit(table: CounterTable, units: Column, suffix: str) -> tuple[str | None, bool]:
    """The row's unit and whether the profile bills in it: Lexmark counts the same type in sides and in sheets,
    and only one of them adds up with the other rows. Tables without a unit column have no say."""
    if table.unit_column is None:
        return None, True
    code = units.get(suffix)
    unit = table.units.get(str(code[1])) if code else None
    return unit, unit is not None


def _columns(index: VarbindIndex, table: CounterTable) -> tuple[Column, Column, Column]:
    """The table's name, type and unit columns, each empty when the table has none."""

    def read(oid: str | None) -> Column:
        return index.column(oid) if oid else {}

    return read(table.name_column), read(table.type_column), read(table.unit_column)


def _table_meter(
    table: CounterTable, columns: tuple[Column, Column, Column], suffix: str, oid: str, value: int
) -> Meter | None:
    names, types, units = columns
    label = _row_label(names, types, suffix)
    if not label:
        return None
    unit, billable = _row_unit(table, units, suffix)
    if not billable:
        # A unit we do not bill in (or none given): the device's number, never a billing meter.
        code = units[suffix][1] if suffix in units else "none"
        return Meter("unclassified", value, oid, f"{label} (unit {code})")
    return Meter(_row_kind(table, types, suffix, label), value, oid, label, unit)


def _table_counters(index: VarbindIndex, profile: Profile, found: MeterSet, problems: list[Problem]) -> None:
    for table in profile.counter_tables:
        columns = _columns(index, table)
        for suffix, oid, _vtype, _value in index.subtree(table.value_column):
            if table.rows is not None and not table.rows.fullmatch(suffix):
                continue
            value = counter_value(index, oid, problems)
            meter = _table_meter(table, columns, suffix, oid, value) if value is not None else None
            if meter is not None:
                found.add(meter)


def _printer_mib_total(index: VarbindIndex, found: MeterSet, problems: list[Problem]) -> None:
    rows = index.subtree(mib.PRT_MARKER_LIFE_COUNT)
    if not rows or found.has("total"):
        return
    suffix, oid = rows[0][0], rows[0][1]  # marker 1: further markers mostly repeat it
    unit = index.integer(f"{mib.PRT_MARKER_COUNTER_UNIT}.{suffix}")
    if unit is not None and unit not in mib.PAGE_COUNTER_UNITS:
        problems.append(Problem("counter_not_pages", f"life count is in unit {unit}, not pages", oid))
        return
    value = counter_value(index, oid, problems)
    if value is not None:
        found.add(Meter("total", value, oid, "prtMarkerLifeCount", mib.PAGE_COUNTER_UNITS.get(unit or 0)))


def read_meters(index: VarbindIndex, profile: Profile, extra: list[Meter], problems: list[Problem]) -> list[Meter]:
    """Vendor counters first (they split mono/colour/copy/print), decoder meters, then Printer-MIB."""
    found = MeterSet()
    _scalar_counters(index, profile, found, problems)
    _table_counters(index, profile, found, problems)
    for meter in extra:
        found.add(meter)
    _printer_mib_total(index, found, problems)
    return found.meters
