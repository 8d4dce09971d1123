"""How a stored supply is named in exports and reports: (kind, colour), with the colours in the order printers
list them. Plain Python: takes anything with `kind` and `colour` (a Supply row or a report's plain copy)."""

from __future__ import annotations

from functools import lru_cache
from typing import Protocol

SupplyKey = tuple[str, str]  # (kind, colour): ("toner", "black"), ("opc", "")
COLOUR_ORDER = ("black", "cyan", "magenta", "yellow")
# CUPS markers and some Printer-MIB agents give colours as RGB hex rather than names.
HEX_COLOURS = {"#000000": "black", "#00ffff": "cyan", "#ff00ff": "magenta", "#ffff00": "yellow"}


class HasKindColour(Protocol):
    kind: str | None
    colour: str | None


def supply_key(supply: HasKindColour) -> SupplyKey:
    return _supply_key(supply.kind, supply.colour)


@lru_cache(maxsize=1024)  # a fleet has a handful of (kind, colour) spellings, asked for per device and column
def _supply_key(kind: str | None, colour: str | None) -> SupplyKey:
    name = (colour or "").strip().lower()
    return ((kind or "toner").strip().lower(), HEX_COLOURS.get(name, name))
