"""What a vendor counter layout is made of: snmprec rows, and which parts of the usage each row counts."""

from collections.abc import Callable
from dataclasses import dataclass

from deploy.demo.catalogue import Model
from deploy.demo.usage import NONE, Pages, Usage


@dataclass(frozen=True)
class Meter:
    """One counter OID: snmprec type tag, and its pages (value at generation time, gain per tick)."""

    oid: str
    tag: str
    pages: Pages


@dataclass(frozen=True)
class Label:
    """A fixed value describing a counter row: its name, type code or unit, in self-describing tables."""

    oid: str
    tag: str
    value: str


Row = Meter | Label
Count = Callable[[Usage], Pages]


def pages(function: str | None = None, tone: str | None = None, size: str | None = None) -> Count:
    """The count of a row that sums the usage parts matching every given field."""

    def count(usage: Usage) -> Pages:
        return usage.pages(function, tone, size)

    return count


def _nothing(usage: Usage) -> Pages:
    return NONE


def _duplex(usage: Usage) -> Pages:
    return usage.duplex


def _scans(usage: Usage) -> Pages:
    return usage.scanned


def _mono_scans(usage: Usage) -> Pages:
    return usage.scans[0]


def _colour_scans(usage: Usage) -> Pages:
    return usage.scans[1]


TOTAL, MONO, COLOUR = pages(), pages(tone="mono"), pages(tone="colour")
NOTHING: Count = _nothing  # rows real devices have and the demo never counts on: single- and two-colour pages
DUPLEX: Count = _duplex
SCANS, MONO_SCANS, COLOUR_SCANS = _scans, _mono_scans, _colour_scans


@dataclass(frozen=True)
class Spec:
    """One row of a layout: its index, its name on the device (if the layout names rows), what it counts."""

    index: str
    name: str
    count: Count
    needs: str = ""  # model features the row needs, space separated: "colour", "mfp", "fax"


def has(model: Model, needs: str) -> bool:
    return all(getattr(model, feature) for feature in needs.split())


def spec_meters(base: str, tag: str, specs: tuple[Spec, ...], usage: Usage, model: Model) -> list[Row]:
    return [Meter(f"{base}.{spec.index}", tag, spec.count(usage)) for spec in specs if has(model, spec.needs)]


def named_rows(
    base: str, columns: tuple[int, int], tag: str, specs: tuple[Spec, ...], usage: Usage, model: Model
) -> list[Row]:
    """A table naming each row: the value in `columns[0]`, the name beside it in `columns[1]`."""
    value, name = columns
    rows = spec_meters(f"{base}.{value}", tag, specs, usage, model)
    return rows + [Label(f"{base}.{name}.{spec.index}", "4", spec.name) for spec in specs if has(model, spec.needs)]
