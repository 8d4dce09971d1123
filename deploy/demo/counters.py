"""Page counters: the Printer-MIB life count and each vendor's private counters, all from one usage model.

A device's usage is four counters (mono/colour x print/copy), each a start value and the pages it
gains per tick; every vendor OID below is a sum of some of them, so totals always equal their parts.
The private OIDs are the ones the vendors' own counter pages and the common monitoring tools read
(LibreNMS, Checkmk, GLPI): one scheme per vendor, chosen in catalogue.py.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Usage:
    """Pages at generation time and pages per tick, by colour and function."""

    mono_print: tuple[int, int]
    mono_copy: tuple[int, int]
    colour_print: tuple[int, int]
    colour_copy: tuple[int, int]

    def pick(self, *parts: str) -> tuple[int, int]:
        pairs = [getattr(self, part) for part in parts]
        return sum(start for start, _ in pairs), sum(step for _, step in pairs)

    @property
    def total(self) -> tuple[int, int]:
        return self.pick("mono_print", "mono_copy", "colour_print", "colour_copy")

    @property
    def mono(self) -> tuple[int, int]:
        return self.pick("mono_print", "mono_copy")

    @property
    def colour(self) -> tuple[int, int]:
        return self.pick("colour_print", "colour_copy")


@dataclass(frozen=True)
class Meter:
    """One counter OID: snmprec type tag, value at generation time, pages per tick."""

    oid: str
    tag: str
    start: int
    step: int


@dataclass(frozen=True)
class Label:
    """A fixed value describing a counter row: its name or type code, in self-describing vendor tables."""

    oid: str
    tag: str
    value: str


MARKER_LIFE_COUNT = "1.3.6.1.2.1.43.10.2.1.4.1.1"
MARKER_POWER_ON_COUNT = "1.3.6.1.2.1.43.10.2.1.5.1.1"
BROTHER_COUNTERS = "1.3.6.1.4.1.2435.2.3.9.4.2.1.5.5.10.0"


def _meter(oid: str, tag: str, pair: tuple[int, int]) -> Meter:
    return Meter(oid, tag, pair[0], pair[1])


def _hp(usage: Usage, colour: bool) -> list[Meter]:
    base = "1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2"  # HP LaserJet: total, mono, colour impressions
    meters = [_meter(f"{base}.5.0", "2", usage.total), _meter(f"{base}.6.0", "2", usage.mono)]
    return [*meters, _meter(f"{base}.7.0", "2", usage.colour)] if colour else meters


def _canon(usage: Usage, colour: bool) -> list[Meter]:
    # Canon counter table: 101 Total 1, 112/113 B&W large/small, 122/123 full colour large/small.
    # Large-format (A3) pages are a fixed few per cent that do not move in the demo.
    base = "1.3.6.1.4.1.1602.1.11.1.3.1.4"
    mono_start, mono_step = usage.mono
    meters = [
        Meter(f"{base}.101", "65", usage.total[0], usage.total[1]),
        Meter(f"{base}.112", "65", mono_start // 20, 0),
        Meter(f"{base}.113", "65", mono_start - mono_start // 20, mono_step),
    ]
    if colour:
        colour_start, colour_step = usage.colour
        meters += [
            Meter(f"{base}.122", "65", colour_start // 20, 0),
            Meter(f"{base}.123", "65", colour_start - colour_start // 20, colour_step),
        ]
    return meters


# ricohEngCounterTable rows of an IM C model: (index, type code in column 2, name in column 6, usage part)
_RICOH_ROWS = (
    (1, 10, "Total", None),
    (3, 201, "Copier: Black & White", "mono_copy"),
    (5, 202, "Copier: Full Color", "colour_copy"),
    (6, 401, "Printer: Black & White", "mono_print"),
    (8, 402, "Printer: Full Color", "colour_print"),
)
_RICOH_TABLE = "1.3.6.1.4.1.367.3.2.1.2.19.5.1"


def _ricoh_rows(colour: bool) -> list[tuple[int, int, str, str | None]]:
    return [row for row in _RICOH_ROWS if colour or not (row[3] or "").startswith("colour")]


def _ricoh(usage: Usage, colour: bool) -> list[Meter]:
    # ricohEngCounterValue (column 9); which rows exist differs by model, hence the type column
    return [
        _meter(f"{_RICOH_TABLE}.9.{index}", "2", getattr(usage, part) if part else usage.total)
        for index, _, _, part in _ricoh_rows(colour)
    ]


def _ricoh_labels(colour: bool) -> list[Label]:
    rows = _ricoh_rows(colour)
    types = [Label(f"{_RICOH_TABLE}.2.{index}", "2", str(code)) for index, code, _, _ in rows]
    return types + [Label(f"{_RICOH_TABLE}.6.{index}", "4", name) for index, _, name, _ in rows]


def _konica(usage: Usage, colour: bool) -> list[Meter]:
    # bizhub: 7.2.1.1.0 total, 7.2.2.1.5.<1 black|2 colour>.<1 copy|2 print>
    base = "1.3.6.1.4.1.18334.1.1.1.5.7.2"
    meters = [
        _meter(f"{base}.1.1.0", "2", usage.total),
        _meter(f"{base}.2.1.5.1.1", "2", usage.mono_copy),
        _meter(f"{base}.2.1.5.1.2", "2", usage.mono_print),
    ]
    if colour:
        meters += [
            _meter(f"{base}.2.1.5.2.1", "2", usage.colour_copy),
            _meter(f"{base}.2.1.5.2.2", "2", usage.colour_print),
        ]
    return meters


def _kyocera(usage: Usage, colour: bool) -> list[Meter]:
    # 43.10.1.1.12.1.1 total printed; 42.3.1.1.1.1.<1 printer|2 copy> function totals;
    # 42.3.1.2.1.1.<1 printer|2 copy>.<1 B&W|3 full colour> (TASKalfa / ECOSYS numbering)
    fn = "1.3.6.1.4.1.1347.42.3.1"
    meters = [
        _meter("1.3.6.1.4.1.1347.43.10.1.1.12.1.1", "2", usage.total),
        _meter(f"{fn}.1.1.1.1", "2", usage.pick("mono_print", "colour_print")),
        _meter(f"{fn}.1.1.1.2", "2", usage.pick("mono_copy", "colour_copy")),
        _meter(f"{fn}.2.1.1.1.1", "2", usage.mono_print),
        _meter(f"{fn}.2.1.1.2.1", "2", usage.mono_copy),
    ]
    if colour:
        meters += [
            _meter(f"{fn}.2.1.1.1.3", "2", usage.colour_print),
            _meter(f"{fn}.2.1.1.2.3", "2", usage.colour_copy),
        ]
    return meters + _kyocera_modes(usage, colour)


# KYOCERA-MIB kmColorModeTable: one row per colour mode, name (column 2) beside its count (column 3)
_KYOCERA_MODES = "1.3.6.1.4.1.1347.42.2.2.1.1"


def _kyocera_modes(usage: Usage, colour: bool) -> list[Meter]:
    modes = [_meter(f"{_KYOCERA_MODES}.3.1.1", "2", usage.mono)]
    return [*modes, _meter(f"{_KYOCERA_MODES}.3.1.2", "2", usage.colour)] if colour else modes


def _kyocera_labels(colour: bool) -> list[Label]:
    names = ["Black & White", "Full Color"][: 2 if colour else 1]
    return [Label(f"{_KYOCERA_MODES}.2.1.{row}", "4", name) for row, name in enumerate(names, start=1)]


_SHARP_FUNCTIONS = ((1, "Print", "print"), (4, "Copy", "copy"), (5, "Total", None))
_SHARP_COLOURS = ((61, "Black & White", "mono"), (63, "Full Color", "colour"))


def _sharp(usage: Usage, colour: bool) -> list[Meter]:
    # 2385.1.1.19.2.1.3.<function>.4.<colour mode> values, names in column 4 at the same index
    meters = []
    for function, _, part in _SHARP_FUNCTIONS:
        for mode, _, tone in _SHARP_COLOURS[: 2 if colour else 1]:
            pair = usage.pick(f"{tone}_{part}") if part else getattr(usage, tone)
            meters.append(_meter(f"1.3.6.1.4.1.2385.1.1.19.2.1.3.{function}.4.{mode}", "65", pair))
    return meters


def _sharp_labels(colour: bool) -> list[Label]:
    return [
        Label(f"1.3.6.1.4.1.2385.1.1.19.2.1.4.{function}.4.{mode}", "4", f"{tone_name} {name} Count")
        for function, name, _ in _SHARP_FUNCTIONS
        for mode, tone_name, _ in _SHARP_COLOURS[: 2 if colour else 1]
    ]


def _xerox(usage: Usage, colour: bool) -> list[Meter]:
    # xcmHrDevDetailValueInteger: 20.1 total impressions, 20.34 black, 20.33 colour
    base = "1.3.6.1.4.1.253.8.53.13.2.1.6.1.20"
    meters = [_meter(f"{base}.1", "2", usage.total), _meter(f"{base}.34", "2", usage.mono)]
    return [*meters, _meter(f"{base}.33", "2", usage.colour)] if colour else meters


def brother_records(usage: Usage, colour: bool) -> dict[str, tuple[int, int]]:
    """brInfoCounter records by code: 00 total pages, 01 mono, 02 colour (colour models)."""
    records = {"00": usage.total, "01": usage.mono}
    return {**records, "02": usage.colour} if colour else records


_SCHEMES: dict[str, Callable[[Usage, bool], list[Meter]]] = {
    "hp": _hp,
    "canon": _canon,
    "ricoh": _ricoh,
    "konica": _konica,
    "kyocera": _kyocera,
    "sharp": _sharp,
    "xerox": _xerox,
}


_LABELS: dict[str, Callable[[bool], list[Label]]] = {
    "ricoh": _ricoh_labels,
    "kyocera": _kyocera_labels,
    "sharp": _sharp_labels,
}


def labels_for(scheme: str, colour: bool) -> list[Label]:
    """Names and type codes of the counter rows, for the vendors whose tables describe themselves."""
    labels = _LABELS.get(scheme)
    return labels(colour) if labels else []


def meters_for(scheme: str, usage: Usage, colour: bool) -> list[Meter]:
    """The Printer-MIB life count plus the vendor's private counters (Brother's are one record string)."""
    life = _meter(MARKER_LIFE_COUNT, "65", usage.total)
    vendor = _SCHEMES.get(scheme)
    return [life, *(vendor(usage, colour) if vendor else [])]
