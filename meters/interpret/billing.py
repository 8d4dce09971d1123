"""Billing meters from the counters a device states: sums of split rows, mono/colour from functions, mono-only.

The interpreter reads each counter a profile names (meters.interpret.meters); this module turns them into the
billing meters a dealer invoices from, by three rules and nothing else:

- rows of one table that split a meter (by paper size, by duplex, ...) are summed into it (RULE_SUM);
- mono and colour are the sums of the per-function meters (print, copy, fax) when the device does not state
  them, and only when mono + colour then add up to the device's own total (RULE_FUNCTIONS);
- a device with one colorant by its own word (prtMarkerProcessColorants = 1, or a colorant table of black
  alone) prints mono only: mono is its total, colour is 0 (RULE_MONO_ONLY).

Anything else the device does not state stays absent: never 0, never "total - colour".

`derive` works on plain (kind, rule, value) rows so that the full interpretation and the steady-state fast
path (meters.services.steady_ingest, which advances counter values without interpreting) share one rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from . import printer_mib as mib
from .types import (
    BILLING_KINDS,
    RULE_FUNCTIONS,
    RULE_MONO_ONLY,
    RULE_STATED,
    RULE_SUM,
    Meter,
)
from .varbinds import VarbindIndex

RULE_PART = "part"  # one row of a summed meter, as read; never leaves the interpreter on its own
# mono + colour may differ from the total by this share and still split it: list and report pages, and
# counters read a moment apart (research/vendor-counters.md §16, rule 4: "within ±0.5 %").
SPLIT_TOLERANCE = 0.005
FUNCTION_PARTS = {
    "mono": ("print_mono", "copy_mono", "fax_mono"),
    "color": ("print_color", "copy_color", "fax_color"),
}
_ORDER = {kind: position for position, kind in enumerate(BILLING_KINDS)}

Row = tuple[str, str, int]  # (kind, rule, value) of one counter as read


@dataclass(frozen=True)
class Derived:
    """One meter out of `derive`: its value and the rows (by position) it was made from."""

    kind: str
    rule: str
    value: int
    inputs: tuple[int, ...]


def is_mono_only(index: VarbindIndex) -> bool:
    """The device says it has one colorant: every marker's prtMarkerProcessColorants is 1, or its colorant
    table names black alone. A device that says neither is not assumed mono."""
    process = [value for _suffix, _oid, _vtype, value in index.subtree(mib.PRT_MARKER_PROCESS_COLORANTS)]
    if process and all(isinstance(value, int) for value in process):
        return bool(max(process) == 1)
    colorants = {str(value).strip().lower() for _s, _o, _t, value in index.subtree(mib.PRT_COLORANT_VALUE)}
    return colorants == {"black"}


def derive(rows: Sequence[Row], *, mono_only: bool) -> list[Derived]:
    """The meters of a read, in billing order: stated and summed first, then what the rules derive."""
    plan = _plan(tuple((kind, rule) for kind, rule, _value in rows))
    values = [value for _kind, _rule, value in rows]
    by_kind = {kind: Derived(kind, rule, _sum(values, inputs), inputs) for kind, rule, inputs in plan.stated}
    if plan.candidates and "total" in by_kind:
        _functions(by_kind, plan.candidates, values)
    if mono_only:
        _mono_only(by_kind)
    ordered = sorted(by_kind.values(), key=lambda d: _ORDER.get(d.kind, len(_ORDER)))
    return ordered + [Derived("unclassified", RULE_STATED, values[i], (i,)) for i in plan.unclassified]


@dataclass(frozen=True)
class _Plan:
    """What the rules make of a read's counters, worked out once per layout of (kind, rule) rows: which rows
    each stated or summed meter adds up, and which rows mono and colour would sum from the functions."""

    stated: tuple[tuple[str, str, tuple[int, ...]], ...]
    candidates: tuple[tuple[str, tuple[int, ...]], ...]
    unclassified: tuple[int, ...]


@lru_cache(maxsize=4096)
def _plan(layout: tuple[tuple[str, str], ...]) -> _Plan:
    """One meter per kind: its first row wins, and the parts of a summed meter add up into one."""
    found: dict[str, tuple[str, tuple[int, ...]]] = {}
    unclassified = []
    for position, (kind, rule) in enumerate(layout):
        if kind == "unclassified":
            unclassified.append(position)
            continue
        current = found.get(kind)
        if current is None:
            found[kind] = (RULE_SUM if rule == RULE_PART else rule, (position,))
        elif rule == RULE_PART and current[0] == RULE_SUM:
            found[kind] = (RULE_SUM, (*current[1], position))
    candidates = []
    for kind, parts in FUNCTION_PARTS.items():
        inputs = tuple(i for part in parts if part in found for i in found[part][1])
        if kind not in found and inputs:
            candidates.append((kind, inputs))
    stated = tuple((kind, rule, inputs) for kind, (rule, inputs) in found.items())
    return _Plan(stated, tuple(candidates), tuple(unclassified))


def _sum(values: list[int], inputs: tuple[int, ...]) -> int:
    return values[inputs[0]] if len(inputs) == 1 else sum(values[i] for i in inputs)


def _functions(
    by_kind: dict[str, Derived], candidates: tuple[tuple[str, tuple[int, ...]], ...], values: list[int]
) -> None:
    """Mono and colour as sums of the function meters, kept only if they add up to the device's total."""
    derived = {kind: Derived(kind, RULE_FUNCTIONS, _sum(values, inputs), inputs) for kind, inputs in candidates}
    mono, color = derived.get("mono") or by_kind.get("mono"), derived.get("color") or by_kind.get("color")
    if mono is not None and color is not None and _adds_up(mono.value + color.value, by_kind["total"].value):
        by_kind.update(derived)


def _adds_up(parts: int, total: int) -> bool:
    return abs(parts - total) <= SPLIT_TOLERANCE * total


def _mono_only(by_kind: dict[str, Derived]) -> None:
    total = by_kind.get("total")
    if total is not None and "mono" not in by_kind:
        by_kind["mono"] = Derived("mono", RULE_MONO_ONLY, total.value, total.inputs)
    if "color" not in by_kind and total is not None:
        by_kind["color"] = Derived("color", RULE_MONO_ONLY, 0, ())


def derived_oids(derived: Derived, oids: Sequence[str]) -> tuple[str, ...]:
    """The OIDs a derived meter came from (`oids` by row position); a mono-only colour of 0 comes from the
    device's word that it has one colorant."""
    return tuple(oids[i] for i in derived.inputs) or (mib.PRT_MARKER_PROCESS_COLORANTS,)


def billing_values(
    rows: Sequence[Row], oids: Sequence[str], *, mono_only: bool
) -> tuple[dict[str, int], dict[str, dict[str, object]]]:
    """(kind -> value, kind -> source) of every meter `derive` makes from counters read at `oids`, unclassified
    rows left out (they never reach a bill): what meters.services.steady_ingest stores without interpreting."""
    found = [d for d in derive(rows, mono_only=mono_only) if d.kind != "unclassified"]
    values = {d.kind: d.value for d in found}
    return values, {d.kind: {"rule": d.rule, "oids": list(derived_oids(d, oids))} for d in found}


def billing_advanced(
    rows: Sequence[Row], before: Sequence[Row], oids: Sequence[str], *, mono_only: bool
) -> tuple[dict[str, int], dict[str, str], dict[str, dict[str, object]] | None]:
    """billing_values for a read advanced from `before` (the same counters' previous values): (kind -> value,
    kind -> its first OID, kind -> source or None when the rules made the meters the same way as before, so
    that the previous sources stand and need not be written again)."""
    found = [d for d in derive(rows, mono_only=mono_only) if d.kind != "unclassified"]
    values = {d.kind: d.value for d in found}
    first = {d.kind: oids[d.inputs[0]] if d.inputs else mib.PRT_MARKER_PROCESS_COLORANTS for d in found}
    if _split_holds(rows) == _split_holds(before):  # the only rule whose outcome depends on the values
        return values, first, None
    return values, first, {d.kind: {"rule": d.rule, "oids": list(derived_oids(d, oids))} for d in found}


def _split_holds(rows: Sequence[Row]) -> bool | None:
    """Whether mono and colour from the functions add up to the total (None: the layout has no such split)."""
    plan = _plan(tuple((kind, rule) for kind, rule, _value in rows))
    if not plan.candidates:
        return None
    values = [value for _kind, _rule, value in rows]
    by_kind = {kind: _sum(values, inputs) for kind, _rule, inputs in plan.stated}
    split = {**by_kind, **{kind: _sum(values, inputs) for kind, inputs in plan.candidates}}
    return (
        "total" in by_kind
        and "mono" in split
        and "color" in split
        and _adds_up(split["mono"] + split["color"], by_kind["total"])
    )


def compose(counters: list[Meter], *, mono_only: bool) -> list[Meter]:
    """The billing meters of a read from the counters it stated (parts of summed meters included)."""
    rows = [(m.kind, m.rule, m.value) for m in counters]
    return [_meter(d, counters) for d in derive(rows, mono_only=mono_only)]


def _meter(derived: Derived, counters: list[Meter]) -> Meter:
    inputs = [counters[i] for i in derived.inputs]
    if derived.rule == RULE_STATED and len(inputs) == 1:
        return inputs[0]
    oids = derived_oids(derived, [m.oid for m in counters])
    return Meter(
        kind=derived.kind,
        value=derived.value,
        oid=oids[0],
        label=_label(derived, inputs),
        unit=next((m.unit for m in inputs if m.unit), None),
        rule=derived.rule,
        oids=oids,
    )


def _label(derived: Derived, inputs: list[Meter]) -> str:
    if derived.rule == RULE_MONO_ONLY:
        return "mono-only device: its total" if derived.kind == "mono" else "mono-only device: no colour pages"
    names = sorted({m.label or m.kind for m in inputs})
    return " + ".join(names) if len(names) <= 4 else f"{len(inputs)} rows: " + " + ".join(names[:4]) + " + …"


def meter_source(meter: Meter) -> dict[str, object]:
    """What a meter read keeps of where a meter came from: the rule and the OIDs (as billing_values gives it)."""
    return {"rule": meter.rule, "oids": list(meter.source_oids)}
