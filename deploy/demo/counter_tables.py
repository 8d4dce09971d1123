"""Vendor counter tables that describe themselves: each row named or typed by a column beside its value.

A reader must key on that column, never on the row's position, so the demo serves the names, type
codes and units the real devices do, and (Ricoh) moves rows around from model to model.
"""

from deploy.demo.catalogue import Model
from deploy.demo.counter_rows import (
    COLOUR,
    COLOUR_SCANS,
    DUPLEX,
    MONO,
    MONO_SCANS,
    NOTHING,
    SCANS,
    TOTAL,
    Count,
    Label,
    Meter,
    Row,
    Spec,
    has,
    named_rows,
    pages,
)
from deploy.demo.usage import Pages, Part, Usage

# Canon counter table by counter ID (the number on the device's Counter Check screen): 2 name, 4 value.
# 101/108 count a large page once; 112/113 and 122/123 split mono and colour by paper size.
_CANON = "1.3.6.1.4.1.1602.1.11.1.3.1"
_CANON_ROWS = (
    Spec("101", "Total 1", TOTAL),
    Spec("108", "Total (Black 1)", MONO),
    Spec("112", "Total (Black/Large)", pages(tone="mono", size="large")),
    Spec("113", "Total (Black/Small)", pages(tone="mono", size="small")),
    Spec("122", "Total (Full Color + Single Color/Large)", pages(tone="colour", size="large"), "colour"),
    Spec("123", "Total (Full Color + Single Color/Small)", pages(tone="colour", size="small"), "colour"),
    Spec("301", "Print (Total 1)", pages("print")),
    Spec("501", "Scan (Total 1)", SCANS, "mfp"),
)


def canon(usage: Usage, model: Model) -> list[Row]:
    return named_rows(_CANON, (4, 2), "65", _CANON_ROWS, usage, model)


# ricohEngCounterTable: 2 ricohEngCounterType, 5 ricohEngCounterName, 9 ricohEngCounterValue. Machine Total
# is copier + printer + fax (types 200 + 300 + 400); 202/402 are single/two-colour, 203/403 full colour.
_RICOH = "1.3.6.1.4.1.367.3.2.1.2.19.5.1"
_RICOH_TYPES: dict[int, tuple[str, Count]] = {
    10: ("Counter: Machine Total", TOTAL),
    200: ("Counter:Copy:Total", pages("copy")),
    201: ("Counter:Copy:Black & White", pages("copy", "mono")),
    202: ("Counter:Copy:Single/Two-color", NOTHING),
    203: ("Counter:Copy:Full Color", pages("copy", "colour")),
    300: ("Counter:FAX:Total", pages("fax")),
    301: ("Counter:FAX:Black & White", pages("fax", "mono")),
    400: ("Counter:Print:Total", pages("print")),
    401: ("Counter:Print:Black & White", pages("print", "mono")),
    402: ("Counter:Print:Single/Two-col.", NOTHING),
    403: ("Counter:Print:Full Color", pages("print", "colour")),
    701: ("No. of Printed Sides in Duplex", lambda usage: Pages(2 * usage.duplex.start, 2 * usage.duplex.step)),
}
# Which rows a model has, in table order (ricohEngCounterIndex 1, 2, ...): positions differ by model, as
# the collectors written for one Ricoh series and wrong on the next show.
_RICOH_MODELS = {
    "IM C3000": (10, 200, 201, 202, 203, 300, 301, 400, 401, 402, 403),
    "IM C4500": (10, 400, 401, 402, 403, 200, 201, 202, 203, 300, 301, 701),
    "IM 430F": (10, 200, 201, 300, 301, 400, 401, 701),
    "SP 5300DN": (10, 400, 401),
}


def ricoh(usage: Usage, model: Model) -> list[Row]:
    rows: list[Row] = []
    for index, code in enumerate(_RICOH_MODELS[model.name], start=1):
        name, count = _RICOH_TYPES[code]
        rows += [Label(f"{_RICOH}.2.{index}", "2", str(code)), Label(f"{_RICOH}.5.{index}", "4", name)]
        rows.append(Meter(f"{_RICOH}.9.{index}", "2", count(usage)))
    return rows


# LEXMARK-MPS-MIB paperGeneralCountTable: 2 type, 3 units (4 sides), 4 value; index deviceIndex 1, row.
# totalSafe (2) = totalMonoSafe (3) + totalColorSafe (4) = print (16) + copy (32) + fax (48). Colour rows
# only on colour models ("printColor should not be returned for mono products").
_LEXMARK = "1.3.6.1.4.1.641.6.4.2.1.1"
_LEXMARK_SIDES = "4"
_LEXMARK_ROWS = (
    Spec("2", "", TOTAL),
    Spec("3", "", MONO),
    Spec("4", "", COLOUR, "colour"),
    Spec("16", "", pages("print")),
    Spec("17", "", pages("print", "mono")),
    Spec("18", "", pages("print", "colour"), "colour"),
    Spec("32", "", pages("copy"), "mfp"),
    Spec("33", "", pages("copy", "mono"), "mfp"),
    Spec("34", "", pages("copy", "colour"), "colour mfp"),
    Spec("48", "", pages("fax"), "fax"),
    Spec("49", "", pages("fax", "mono"), "fax"),
)


def lexmark(usage: Usage, model: Model) -> list[Row]:
    rows: list[Row] = []
    for index, spec in enumerate((spec for spec in _LEXMARK_ROWS if has(model, spec.needs)), start=1):
        rows += [
            Label(f"{_LEXMARK}.2.1.{index}", "2", spec.index),
            Label(f"{_LEXMARK}.3.1.{index}", "2", _LEXMARK_SIDES),
        ]
        rows.append(Meter(f"{_LEXMARK}.4.1.{index}", "2", spec.count(usage)))
    return rows


# Sharp: 3 value, 4 name; index <function 1 print|4 copy|5 all|7, 8 scan>.<sub>.<code 60 total|61 B&W|
# 63 full colour|64 two colour|80 single colour|75 duplex|50-53 scans>. Rows and names as on the MX-3570N
# (colour) and MX-M266NV (mono) recordings; "B&W Total" = B&W Print + B&W Copy + B&W Other (lists, reports).
_SHARP = "1.3.6.1.4.1.2385.1.1.19.2.1"
_SHARP_ROWS = (
    Spec("1.4.60", "Prints", pages("print")),
    Spec("1.4.61", "Black & White Print Count", pages("print", "mono")),
    Spec("1.4.63", "Full Color Print Count", pages("print", "colour"), "colour"),
    Spec("1.4.75", "Duplex", DUPLEX),
    Spec("4.4.60", "Copies", pages("copy"), "mfp"),
    Spec("4.4.61", "Black & White Copy Count", pages("copy", "mono"), "mfp"),
    Spec("4.4.63", "Full Color Copy Count", pages("copy", "colour"), "colour mfp"),
    Spec("4.4.64", "Two Color Copy Count", NOTHING, "colour mfp"),
    Spec("4.4.80", "Single Color Copy Count", NOTHING, "colour mfp"),
    Spec("5.4.61", "Black & White Total Count", MONO),
    Spec("5.4.63", "Full Color Total Count", COLOUR),
    Spec("5.4.64", "Two Color Total Count", NOTHING),
    Spec("5.4.80", "Single Color Total Count", NOTHING, "colour"),
    Spec("5.5.61", "Black & White Other Count", pages("report", "mono")),
    Spec("5.5.63", "Full Color Other Count", pages("report", "colour"), "colour"),
)


def _sharp_scans(model: Model) -> tuple[Spec, ...]:
    # Scan to E-mail/FTP sits under function 7 on the MX-3570N and 8 on the MX-M266NV.
    function = 7 if model.colour else 8
    return (
        Spec(f"{function}.4.50", "Scan to E-mail/FTP", SCANS, "mfp"),
        Spec(f"{function}.4.51", "Black & White Scanner Count", MONO_SCANS, "mfp"),
        Spec(f"{function}.4.53", "Full Color Scanner Count", COLOUR_SCANS, "mfp"),
    )


def sharp(usage: Usage, model: Model) -> list[Row]:
    return named_rows(_SHARP, (3, 4), "65", _SHARP_ROWS + _sharp_scans(model), usage, model)


# xcmHrDevDetailTable: 6 ValueInteger, 8 ValueString (the counter's name); index <hrDeviceIndex>.20.<n>,
# detail type 20 deviceLifetimeUsage. Printer counters on hrDevice 1, copier counters on hrDevice 103.
_XEROX = "1.3.6.1.4.1.253.8.53.13.2.1"
_XEROX_ROWS = (
    Spec("1.20.1", "Total Impressions", TOTAL),
    Spec("1.20.7", "Black Printed Impressions", pages("print", "mono")),
    Spec("1.20.29", "Color Printed Impressions", pages("print", "colour"), "colour"),
    Spec("1.20.33", "Color Impressions", COLOUR, "colour"),
    Spec("1.20.34", "Black Impressions", MONO),
    Spec("103.20.3", "Black Copied Impressions", pages("copy", "mono"), "mfp"),
    Spec("103.20.25", "Color Copied Impressions", pages("copy", "colour"), "colour mfp"),
)


def xerox(usage: Usage, model: Model) -> list[Row]:
    return named_rows(_XEROX, (6, 8), "2", _XEROX_ROWS, usage, model)


# SAMSUNG-HOST-RESOURCES-EXT-MIB scmHrDevCountTable: 2 JobType, 3 MediaSize, 4 Unit, 5 Duplex, 6 Color,
# 7 Value; index hrDeviceIndex 1, row. One row per job type x colour x media size x duplex; a reader sums
# the rows of a kind.
_SAMSUNG = "1.3.6.1.4.1.236.11.5.11.53.11.2.1"
_SAMSUNG_JOBS = {"print": 1, "copy": 2, "fax": 3}  # fax: faxIn, received faxes printed
_SAMSUNG_MEDIA = {"small": 1, "large": 2}
_SAMSUNG_COLOURS = {"colour": 1, "mono": 3}  # 1 fullColor, 3 monoColor
_IMPRESSIONS = 7
_SIMPLEX, _DUPLEX = 1, 2


def samsung(usage: Usage, model: Model) -> list[Row]:
    rows: list[Row] = []
    ordered = sorted(
        usage.parts, key=lambda p: (_SAMSUNG_JOBS[p.function], _SAMSUNG_COLOURS[p.tone], _SAMSUNG_MEDIA[p.size])
    )
    sided = [(part, duplex, counted) for part in ordered for duplex, counted in _sided(part)]
    for index, (part, duplex, counted) in enumerate(sided, start=1):
        codes = (
            _SAMSUNG_JOBS[part.function],
            _SAMSUNG_MEDIA[part.size],
            _IMPRESSIONS,
            duplex,
            _SAMSUNG_COLOURS[part.tone],
        )
        rows += [Label(f"{_SAMSUNG}.{column}.1.{index}", "2", str(code)) for column, code in enumerate(codes, start=2)]
        rows.append(Meter(f"{_SAMSUNG}.7.1.{index}", "2", counted))
    return rows


def _sided(part: Part) -> list[tuple[int, Pages]]:
    """A third of the printed and copied pages went on two-sided sheets; every new page is one-sided."""
    if part.function == "fax":
        return [(_SIMPLEX, part.pages)]
    duplexed = part.pages.start // 3
    return [(_SIMPLEX, Pages(part.pages.start - duplexed, part.pages.step)), (_DUPLEX, Pages(duplexed))]
