"""Page counters: the Printer-MIB life count and each vendor's own counter layout, all from one usage model.

Every vendor row is a sum of parts of the device's usage (usage.py), so the real device's relations
hold at every tick: Konica's total is the sum of its mode x function rows, Sharp's "Black & White
Total Count" is its print, copy and "Other" rows, Kyocera's total the sum of its function totals and
of its paper-size rows. The layouts (OIDs, index shapes, row names) are the ones documented in the
team's vendor counter research: Printer-MIB and vendor MIBs, LibreNMS recordings (Sharp MX-3570N and
MX-M266NV, bizhub C250i), GLPI-Agent, Checkmk and Kyocera walks. The scalar layouts are here, the
self-describing tables (rows named or typed by a column beside the value) in `counter_tables.py`.
"""

from collections.abc import Callable

from deploy.demo.catalogue import Model
from deploy.demo.counter_rows import COLOUR, DUPLEX, MONO, TOTAL, Label, Meter, Row, Spec, has, pages, spec_meters
from deploy.demo.counter_tables import canon, lexmark, ricoh, samsung, sharp, xerox
from deploy.demo.usage import NONE, Pages, Usage

MARKER_LIFE_COUNT = "1.3.6.1.2.1.43.10.2.1.4.1.1"
MARKER_POWER_ON_COUNT = "1.3.6.1.2.1.43.10.2.1.5.1.1"
BROTHER_COUNTERS = "1.3.6.1.4.1.2435.2.3.9.4.2.1.5.5.10.0"

# Layouts with a row for the lists and reports the device prints itself (Sharp's "Other" rows, which its
# totals include); on the others such pages would make a total exceed its rows, so the demo prints none.
REPORT_ROWS = frozenset({"sharp"})
# prtMarkerLifeCount also counts sheets the vendor's billing total leaves out: Kyocera P2040dw 7432 against
# 7342, Brother HL-L2340DW 1279 against 986 (real captures).
LIFE_COUNT_DIFFERS = frozenset({"kyocera", "brother"})

# HP-LASERJET-COMMON-MIB total-engine-page-count (5), total-mono-page-count (6), total-color-page-count (7).
_HP = "1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2"
_HP_ROWS = (Spec("5.0", "", TOTAL), Spec("6.0", "", MONO), Spec("7.0", "", COLOUR, "colour"))


def _hp(usage: Usage, model: Model) -> list[Row]:
    return spec_meters(_HP, "2", _HP_ROWS, usage, model)


# bizhub: 2.1.1.0 total, 2.1.3.0 duplex, 2.1.5.0 scans, 2.2.1.5.<mode 1 black|2 full colour>.<func 1 copy|2 print>
_KONICA = "1.3.6.1.4.1.18334.1.1.1.5.7.2"


def _konica(usage: Usage, model: Model) -> list[Row]:
    modes = ((1, "mono"), (2, "colour"))[: 2 if model.colour else 1]
    functions = ((1, "copy"), (2, "print")) if model.mfp else ((2, "print"),)
    rows: list[Row] = [Meter(f"{_KONICA}.1.1.0", "2", usage.total), Meter(f"{_KONICA}.1.3.0", "2", usage.duplex)]
    rows += [Meter(f"{_KONICA}.2.1.5.{m}.{f}", "2", usage.pages(fn, tone)) for m, tone in modes for f, fn in functions]
    return rows + ([Meter(f"{_KONICA}.1.5.0", "2", usage.scanned)] if model.mfp else [])


# KYOCERA-MIB: 43.10.1.1.12.1.1 kcprtMarkerServiceCount (the billing total), 42.3.1.1.1.1.<func> totals by
# function, 42.3.1.2.1.1.<func>.<mode> by function and colour mode, 42.2.1.1.1.{6 total,7 B&W,8 full colour}.1.<size>
# by paper size with the size's name in 42.2.1.1.1.2.1.<size>, 46.10.1.1.5.3 total scans.
_KYOCERA = "1.3.6.1.4.1.1347"
_KYOCERA_FUNCTIONS = ((1, "print", ""), (2, "copy", "mfp"), (4, "fax", "fax"))
_KYOCERA_MODES = ((1, "mono"), (2, ""), (3, "colour"))  # 2 "Mono Color" (single-colour pages): none in the demo
_KYOCERA_SIZES = (
    *("A3", "B4", "A4", "B5", "A5", "Folio", "Ledger", "Legal", "Letter", "Statement"),
    *("Other1", "Other2", "Banner1", "Banner2"),
)
_KYOCERA_SIZE_PARTS = {"A3": "large", "A4": "small"}  # the demo prints on A4 and A3 only


def _kyocera(usage: Usage, model: Model) -> list[Row]:
    functions = [(number, function) for number, function, needs in _KYOCERA_FUNCTIONS if has(model, needs)]
    modes = _KYOCERA_MODES if model.colour else _KYOCERA_MODES[:1]
    rows: list[Row] = [Meter(f"{_KYOCERA}.43.10.1.1.12.1.1", "2", usage.total)]
    rows += [Meter(f"{_KYOCERA}.42.3.1.1.1.1.{n}", "2", usage.pages(function)) for n, function in functions]
    rows += [
        Meter(f"{_KYOCERA}.42.3.1.2.1.1.{n}.{mode}", "2", usage.pages(function, tone) if tone else NONE)
        for n, function in functions
        for mode, tone in modes
    ]
    rows += _kyocera_sizes(usage, model)
    return rows + ([Meter(f"{_KYOCERA}.46.10.1.1.5.3", "2", usage.scanned)] if model.mfp else [])


def _kyocera_sizes(usage: Usage, model: Model) -> list[Row]:
    table = f"{_KYOCERA}.42.2.1.1.1"
    columns = ((6, None), (7, "mono"), (8, "colour"))[: 3 if model.colour else 2]
    rows: list[Row] = []
    for index, name in enumerate(_KYOCERA_SIZES, start=1):
        size = _KYOCERA_SIZE_PARTS.get(name)
        rows.append(Label(f"{table}.2.1.{index}", "4", name))
        rows += [
            Meter(f"{table}.{column}.1.{index}", "2", usage.pages(tone=tone, size=size) if size else NONE)
            for column, tone in columns
        ]
    return rows


# EPSON AM-C series (validated against the AM-C550 web UI): 27.1.1.{30 total,3 B&W,4 colour}.1.1,
# 27.6.1.4.1.1.{1 print,2 copy} and 27.6.1.5.1.1.{1 colour print,2 colour copy}.
_EPSON = "1.3.6.1.4.1.1248.1.2.2.27"
_EPSON_ROWS = (
    Spec("1.1.30.1.1", "", TOTAL),
    Spec("1.1.3.1.1", "", MONO),
    Spec("1.1.4.1.1", "", COLOUR, "colour"),
    Spec("6.1.4.1.1.1", "", pages("print")),
    Spec("6.1.4.1.1.2", "", pages("copy"), "mfp"),
    Spec("6.1.5.1.1.1", "", pages("print", "colour"), "colour"),
    Spec("6.1.5.1.1.2", "", pages("copy", "colour"), "colour mfp"),
)


def _epson(usage: Usage, model: Model) -> list[Row]:
    return spec_meters(_EPSON, "2", _EPSON_ROWS, usage, model)


# brInfoCounter records: 00 total, 01 B&W, 02 colour, 06 duplex (bieniu/brother).
_BROTHER_RECORDS = (
    Spec("00", "", TOTAL),
    Spec("01", "", MONO),
    Spec("02", "", COLOUR, "colour"),
    Spec("06", "", DUPLEX),
)


def brother_records(usage: Usage, model: Model) -> dict[str, Pages]:
    """brInfoCounter records by code, served as one octet string (snmpsim_variation/demometer.py)."""
    return {spec.index: spec.count(usage) for spec in _BROTHER_RECORDS if has(model, spec.needs)}


_LAYOUTS: dict[str, Callable[[Usage, Model], list[Row]]] = {
    "hp": _hp,
    "canon": canon,
    "ricoh": ricoh,
    "konica": _konica,
    "kyocera": _kyocera,
    "lexmark": lexmark,
    "sharp": sharp,
    "xerox": xerox,
    "epson": _epson,
    "samsung": samsung,
}


def rows_for(layout: str, usage: Usage, model: Model) -> list[Row]:
    """The Printer-MIB life count plus the vendor's counter rows (Brother's are one record string)."""
    life = Meter(MARKER_LIFE_COUNT, "65", usage.total + Pages(usage.unbilled))
    vendor = _LAYOUTS.get(layout)
    return [life, *(vendor(usage, model) if vendor else [])]
