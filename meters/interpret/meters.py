"""Page counters: vendor scalars, self-describing vendor tables, then the Printer-MIB life count."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from . import printer_mib as mib
from .billing import RULE_PART
from .profiles import PROFILES_DIR, CounterTable, Profile
from .types import Meter, Problem
from .varbinds import COUNTER_TYPES, EXCEPTION_TYPES, MAX_COUNT, VarbindIndex, as_text


@lru_cache(maxsize=1)
def counter_name_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    with (PROFILES_DIR / "_counter_names.toml").open("rb") as handle:
        raw = tomllib.load(handle)
    return tuple((re.compile(pattern), kind) for pattern, kind in raw["patterns"])


@lru_cache(maxsize=8192)  # a model names its counters the same on every device: each name is classified once
def kind_for_name(name: str) -> str:
    folded = " ".join(name.lower().split())
    return next((kind for pattern, kind in counter_name_patterns() if pattern.search(folded)), "unclassified")


def counter_value(index: VarbindIndex, oid: str, problems: list[Problem], *, required: bool = False) -> int | None:
    """A counter's value, or None with a problem: an unreadable counter is never a 0. A vendor counter the model
    lacks (noSuchObject) is simply absent; a `required` one (the Printer-MIB's) is a problem too."""
    found = index.get(oid)
    if found is None:
        return None
    vtype, value = found
    if vtype in EXCEPTION_TYPES:
        if required:
            problems.append(Problem("counter_unavailable", f"device answered {vtype}", oid))
        return None
    if vtype not in COUNTER_TYPES or not isinstance(value, int) or isinstance(value, bool):
        problems.append(Problem("counter_wrong_type", f"counter of type {vtype} ignored", oid))
        return None
    if value < 0:
        problems.append(Problem("counter_negative", f"negative counter {value} ignored", oid))
        return None
    if value > MAX_COUNT:
        problems.append(Problem("counter_out_of_range", f"counter {value} beyond any page count ignored", oid))
        return None
    return value


class MeterSet:
    """Counters in priority order; the first source of a kind wins, later ones are fallbacks. The rows of one
    summed table are all kept (meters.interpret.billing adds them up), unless a source before them won."""

    def __init__(self) -> None:
        self.meters: list[Meter] = []
        self._kinds: dict[str, str] = {}  # kind -> the rule of its first source

    def add(self, meter: Meter) -> None:
        first = self._kinds.get(meter.kind)
        if meter.kind == "unclassified" or first is None or (first == RULE_PART and meter.rule == RULE_PART):
            self.meters.append(meter)
            self._kinds.setdefault(meter.kind, meter.rule)

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


def _row_kind(table: CounterTable, types: Column, key: str, label: str) -> str:
    """A table of one kind (every row a part of it) says so; typed tables (Ricoh) map the row's type code;
    named tables (Sharp) classify the row's name."""
    if table.kind is not None:
        return table.kind
    if table.type_column is None:
        return kind_for_name(label)
    found = types.get(key)
    return table.types.get(str(found[1]), "unclassified") if found else "unclassified"


def _row_label(names: Column, types: Column, key: str) -> str:
    """The device's own name for a row, else its type code."""
    label = " ".join((as_text(*names[key]) or "").split()) if key in names else ""
    if key in types and not label:
        label = f"counter type {types[key][1]}"
    return label


def _row_key(table: CounterTable, suffix: str) -> str | None:
    """The index the row's name and type are found at: the row's own, or the part of it that `rows` captures
    (PWG counters are indexed key.workType.persistence, their service type by the key alone). None when the
    profile does not read this row."""
    if table.rows is None:
        return suffix
    match = table.rows.fullmatch(suffix)
    if match is None:
        return None
    return match.group(1) if match.groups() else suffix


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
    table: CounterTable, columns: tuple[Column, Column, Column], key: str, oid: str, value: int
) -> Meter | None:
    names, types, units = columns
    label = _row_label(names, types, key) or table.label
    if not label or (table.names is not None and not table.names.search(label)):
        return None
    unit, billable = _row_unit(table, units, key)
    if not billable:
        # A unit we do not bill in (or none given): the device's number, never a billing meter.
        code = units[key][1] if key in units else "none"
        return Meter("unclassified", value, oid, f"{label} (unit {code})")
    kind = _row_kind(table, types, key, label)
    rule = RULE_PART if table.sum and kind != "unclassified" else "stated"
    return Meter(kind, value, oid, label, unit, rule)


def _selected(index: VarbindIndex, table: CounterTable) -> Callable[[str], bool]:
    """Whether a row (by key) holds the values the table's `where` asks for."""
    wanted = [(index.column(column), values) for column, values in table.where]

    def selected(key: str) -> bool:
        return all(key in column and str(column[key][1]) in values for column, values in wanted)

    return selected


def _table_counters(index: VarbindIndex, profile: Profile, found: MeterSet, problems: list[Problem]) -> None:
    for table in profile.counter_tables:
        columns, selected = _columns(index, table), _selected(index, table)
        for suffix, oid, _vtype, _value in index.subtree(table.value_column):
            key = _row_key(table, suffix)
            if key is None or not selected(key):
                continue
            value = counter_value(index, oid, problems)
            meter = _table_meter(table, columns, key, oid, value) if value is not None else None
            if meter is not None:
                found.add(meter)


def _printer_mib_total(index: VarbindIndex, found: MeterSet, problems: list[Problem]) -> None:
    """prtMarkerLifeCount of marker 1 (further markers mostly repeat it) as the total, when no vendor total was
    found and it counts impressions (or says nothing of its unit). A count of sheets is kept as the device's
    sheets: on a duplex printer it is not the pages a dealer bills."""
    rows = index.subtree(mib.PRT_MARKER_LIFE_COUNT)
    if not rows or found.has("total"):
        return
    suffix, oid = rows[0][0], rows[0][1]
    unit = index.integer(f"{mib.PRT_MARKER_COUNTER_UNIT}.{suffix}")
    if unit is not None and unit not in mib.PAGE_COUNTER_UNITS:
        problems.append(Problem("counter_not_pages", f"life count is in unit {unit}, not pages", oid))
        return
    value = counter_value(index, oid, problems, required=True)
    if value is None:
        return
    unit_name = mib.PAGE_COUNTER_UNITS.get(unit or 0)
    kind = "sheets" if unit_name == "sheets" else "total"
    found.add(Meter(kind, value, oid, "prtMarkerLifeCount", unit_name))


def read_counters(index: VarbindIndex, profile: Profile, extra: list[Meter], problems: list[Problem]) -> list[Meter]:
    """Every counter the device states, in priority order: vendor counters first (they split mono/colour/copy/
    print), decoder meters, then the Printer-MIB life count as the total when no vendor total exists.
    meters.interpret.billing makes the billing meters of them."""
    found = MeterSet()
    _scalar_counters(index, profile, found, problems)
    _table_counters(index, profile, found, problems)
    for meter in extra:
        found.add(meter)
    _printer_mib_total(index, found, problems)
    return found.meters
