"""Is a discovered SNMP responder a printer? The portal decides from the varbinds the agent read, and says why.

Any one of these is enough, strongest first:
1. an object under the Printer-MIB (RFC 3805, 1.3.6.1.2.1.43) answered with a value;
2. a Host-Resources hrDeviceType row is hrDevicePrinter (RFC 2790);
3. an IEEE 1284 device ID names the printer class (CLS:PRINTER / CLASS:PRINTER), or, naming no other class,
   a maker (MFG / MANUFACTURER) that a vendor profile's brand matches: a Brother that answers only its 1284 ID;
4. sysObjectID lies in a printer subtree listed in meters/profiles/_printer_object_ids.toml.

The agent judges too, more narrowly in older versions; discovery keeps a device when either says printer.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from . import printer_mib as mib
from .profiles import PROFILES_DIR, load_profiles
from .types import Varbind
from .varbinds import EXCEPTION_TYPES, VarbindIndex

PRINTER_OBJECT_IDS = PROFILES_DIR / "_printer_object_ids.toml"
NOT_A_PRINTER = "no Printer-MIB object, hrDevicePrinter row, printer 1284 device ID or printer sysObjectID"

_DEVICE_ID_FIELD = re.compile(r"\s*([^:;]+?)\s*:\s*([^;]*)")
_CLASS_KEYS = ("CLS", "CLASS")
_MAKER_KEYS = ("MFG", "MANUFACTURER", "MANUFACTURE")  # OKI writes MANUFACTURE


@dataclass(frozen=True)
class PrinterSubtree:
    vendor: str
    prefix: str
    source: str


@lru_cache(maxsize=1)
def printer_subtrees() -> tuple[PrinterSubtree, ...]:
    with PRINTER_OBJECT_IDS.open("rb") as handle:
        raw = tomllib.load(handle)
    return tuple(PrinterSubtree(e["vendor"], e["prefix"].strip("."), e["source"]) for e in raw["printers"])


def is_printer(varbinds: Iterable[Varbind] | VarbindIndex) -> tuple[bool, str]:
    """(whether the responder is a printer, the evidence that decided it, or why none did)."""
    index = varbinds if isinstance(varbinds, VarbindIndex) else VarbindIndex(varbinds)
    reason = next((found for check in _CHECKS if (found := check(index))), None)
    return (True, reason) if reason else (False, NOT_A_PRINTER)


def _printer_mib(index: VarbindIndex) -> str | None:
    answered = (oid for _s, oid, vtype, _v in index.subtree(mib.PRINTER_MIB) if vtype not in EXCEPTION_TYPES)
    oid = next(answered, None)
    return f"Printer-MIB answered ({oid})" if oid else None


def _hr_printer_row(index: VarbindIndex) -> str | None:
    for row, (vtype, value) in index.column(mib.HR_DEVICE_TYPE).items():
        if vtype == "oid" and str(value).strip(".") == mib.HR_DEVICE_PRINTER:
            return f"hrDeviceType row {row} is hrDevicePrinter"
    return None


def device_id_fields(text: str) -> dict[str, str]:
    """An IEEE 1284 device ID (`MFG:Brother;MDL:DCP-J132W;CLS:PRINTER;`) as upper-cased key -> value."""
    fields = (_DEVICE_ID_FIELD.fullmatch(part) for part in text.split(";"))
    return {found.group(1).upper(): found.group(2).strip() for found in fields if found}


def _device_id(index: VarbindIndex) -> str | None:
    for oid in mib.DEVICE_ID_OIDS:
        fields = device_id_fields(index.text(oid) or "")
        klass = next(((key, fields[key]) for key in _CLASS_KEYS if key in fields), None)
        if klass:
            if "PRINTER" in (part.strip().upper() for part in klass[1].split(",")):
                return f"1284 device ID {klass[0]}:{klass[1]}"
            continue  # names another class (a scanner, say): its maker proves nothing
        maker = next(((key, fields[key]) for key in _MAKER_KEYS if fields.get(key)), None)
        if maker and (profile := _profile_of_maker(maker[1])):
            return f"1284 device ID {maker[0]}:{maker[1]} ({profile} profile)"
    return None


def _profile_of_maker(maker: str) -> str | None:
    """The vendor profile one of whose brands matches a 1284 maker (searched as is and as `MFG:<maker>;`)."""
    for profile in load_profiles():
        if any(brand.match.search(maker) or brand.match.search(f"MFG:{maker};") for brand in profile.brands):
            return profile.name
    return None


def _printer_object_id(index: VarbindIndex) -> str | None:
    found = index.get(mib.SYS_OBJECT_ID)
    if not found or found[0] != "oid":
        return None
    oid = str(found[1]).strip(".")
    for subtree in printer_subtrees():
        if oid == subtree.prefix or oid.startswith(subtree.prefix + "."):
            return f"sysObjectID {oid} is under {subtree.vendor}'s printer subtree {subtree.prefix}"
    return None


_CHECKS: tuple[Callable[[VarbindIndex], str | None], ...] = (
    _printer_mib,
    _hr_printer_row,
    _device_id,
    _printer_object_id,
)
