"""Pure decoding of identity varbinds into the discovery record and the `scan` row (Printer-MIB, HOST-RESOURCES).

Identity fields stay raw strings: vendor knowledge (which sysObjectID is which model) lives in the portal.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from agent_client.snmp.codec import Varbind, int_of, oid_tuple, text_of

SYS_DESCR, SYS_OBJECT_ID = "1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.2.0"
SYS_CONTACT, SYS_NAME, SYS_LOCATION = "1.3.6.1.2.1.1.4.0", "1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.1.6.0"
HR_DEVICE_TYPE = "1.3.6.1.2.1.25.3.2.1.2"
HR_DEVICE_DESCR = "1.3.6.1.2.1.25.3.2.1.3"
HR_DEVICE_PRINTER = "1.3.6.1.2.1.25.3.1.5"
PRT_SERIAL = "1.3.6.1.2.1.43.5.1.1.17"
IF_PHYS_ADDRESS = "1.3.6.1.2.1.2.2.1.6"
PRT_MARKER_LIFE_COUNT = "1.3.6.1.2.1.43.10.2.1.4"
PRT_SUPPLY_DESCR = "1.3.6.1.2.1.43.11.1.1.6"
PRT_SUPPLY_MAX = "1.3.6.1.2.1.43.11.1.1.8"
PRT_SUPPLY_LEVEL = "1.3.6.1.2.1.43.11.1.1.9"
PRINTER_MIB = "1.3.6.1.2.1.43"
# IEEE 1284 device ID strings (`MFG:Brother;MDL:DCP-J132W;CLS:PRINTER;`): HP's, and Brother's copy of it. Some
# printers (Brother inkjets) answer nothing else that says "printer". The portal may send more in params.
DEVICE_ID_OIDS = ["1.3.6.1.4.1.11.2.3.9.1.1.7.0", "1.3.6.1.4.1.2435.2.3.9.1.1.7.0"]
DEVICE_ID_MAKER = re.compile(r"(?:^|;)\s*(?:MFG|MANUFACTURER|MANUFACTURE)\s*:", re.IGNORECASE)
PRINTER_CLASS = re.compile(r"(?:^|;)\s*(?:CLS|CLASS)\s*:\s*(?:[^;]*,\s*)?PRINTER\s*(?:[,;]|$)", re.IGNORECASE)
DEVICE_ID_MODEL = re.compile(r"(?:^|;)\s*(?:MDL|MODEL)\s*:\s*([^;]+)", re.IGNORECASE)

IDENTITY_GET = [SYS_DESCR, SYS_OBJECT_ID, SYS_CONTACT, SYS_NAME, SYS_LOCATION, *DEVICE_ID_OIDS]
IDENTITY_WALK = [HR_DEVICE_TYPE, HR_DEVICE_DESCR, PRT_SERIAL, IF_PHYS_ADDRESS]
# Meters are not identity: a portal discovery reads them with its `read_plan`, so walking them here too cost every
# printer its supply table twice (the bulk of a sweep's identity bytes). `scan` has no portal: it asks for them.
METER_WALK = [PRT_MARKER_LIFE_COUNT, PRT_SUPPLY_DESCR, PRT_SUPPLY_MAX, PRT_SUPPLY_LEVEL]
ABSENT = frozenset({"nosuchobject", "nosuchinstance", "endofmibview", "null"})


class Varbinds:
    """Lookups over one device's varbinds: scalars by OID, table columns by row index."""

    def __init__(self, varbinds: Sequence[Varbind]) -> None:
        self.by_oid = {oid: (oid, kind, value) for oid, kind, value in varbinds if kind not in ABSENT}

    def scalar(self, oid: str) -> Varbind | None:
        return self.by_oid.get(oid)

    def column(self, column: str) -> dict[tuple[int, ...], Varbind]:
        prefix = oid_tuple(column)
        rows = {oid_tuple(oid)[len(prefix) :]: vb for oid, vb in self.by_oid.items() if _under(oid, prefix)}
        return dict(sorted(rows.items()))

    def first_text(self, column: str) -> str | None:
        return next((t for vb in self.column(column).values() if (t := text_of(vb))), None)


def _under(oid: str, prefix: tuple[int, ...]) -> bool:
    parts = oid_tuple(oid)
    return parts[: len(prefix)] == prefix and len(parts) > len(prefix)


def is_printer(vbs: Varbinds) -> bool:
    """Printer-MIB objects, an hrDevicePrinter row, or a 1284 device ID of the printer class (whichever OID
    the portal asked it at). The portal judges again with its vendor knowledge; this is the agent's own word."""
    speaks_printer_mib = any(_under(oid, oid_tuple(PRINTER_MIB)) for oid in vbs.by_oid)
    hr_printer = any(vb[1] == "oid" and vb[2] == HR_DEVICE_PRINTER for vb in vbs.column(HR_DEVICE_TYPE).values())
    return speaks_printer_mib or hr_printer or device_id(vbs, PRINTER_CLASS) is not None


def device_id(vbs: Varbinds, pattern: re.Pattern[str]) -> re.Match[str] | None:
    """The first match of `pattern` in a value shaped like a 1284 device ID (it names its maker)."""
    texts = (text_of(vb) for vb in vbs.by_oid.values() if vb[1] in ("str", "hex"))
    ids = (text for text in texts if text and DEVICE_ID_MAKER.search(text))
    return next((found for text in ids if (found := pattern.search(text))), None)


def model(vbs: Varbinds) -> str | None:
    """hrDeviceDescr of the printer row (an MFP also lists its NIC, disk and CPU), else of the first row."""
    types = vbs.column(HR_DEVICE_TYPE)
    descrs = vbs.column(HR_DEVICE_DESCR)
    printer_rows = [row for row, vb in types.items() if vb[2] == HR_DEVICE_PRINTER and row in descrs]
    for row in printer_rows or list(descrs):
        if text := text_of(descrs[row]):
            return text
    return None


def mac(vbs: Varbinds) -> str | None:
    for _, kind, value in vbs.column(IF_PHYS_ADDRESS).values():
        raw = bytes.fromhex(value) if kind == "hex" else str(value).encode() if kind == "str" else b""
        if len(raw) == 6 and any(raw):
            return ":".join(f"{b:02x}" for b in raw)
    return None


def total_pages(vbs: Varbinds) -> int | None:
    return next((n for vb in vbs.column(PRT_MARKER_LIFE_COUNT).values() if (n := int_of(vb)) is not None), None)


def supplies(vbs: Varbinds) -> list[dict[str, Any]]:
    levels, maxima = vbs.column(PRT_SUPPLY_LEVEL), vbs.column(PRT_SUPPLY_MAX)
    return [
        {"description": text_of(vb), "level": int_of(levels.get(row)), "max_capacity": int_of(maxima.get(row))}
        for row, vb in vbs.column(PRT_SUPPLY_DESCR).items()
    ]


def device_record(ip: str, port: int, credential_id: str, varbinds: Sequence[Varbind]) -> dict[str, Any]:
    """One `devices[]` entry of a discover result (protocol doc)."""
    vbs = Varbinds(varbinds)
    return {
        "ip": ip,
        "port": port,
        "credential_id": credential_id,
        "is_printer": is_printer(vbs),
        "sys_descr": text_of(vbs.scalar(SYS_DESCR)),
        "sys_object_id": _oid_value(vbs.scalar(SYS_OBJECT_ID)),
        "sys_name": text_of(vbs.scalar(SYS_NAME)),
        "sys_location": text_of(vbs.scalar(SYS_LOCATION)),
        "sys_contact": text_of(vbs.scalar(SYS_CONTACT)),
        "hr_device_descr": model(vbs),
        "serial": vbs.first_text(PRT_SERIAL),
        "mac": mac(vbs),
        "varbinds": [list(vb) for vb in varbinds],
    }


def _oid_value(vb: Varbind | None) -> str | None:
    return str(vb[2]) if vb is not None and vb[1] == "oid" else None


def scan_row(record: dict[str, Any]) -> dict[str, Any]:
    """The `scan --json` object for one discovered device."""
    vbs = Varbinds([tuple(vb) for vb in record["varbinds"]])
    return {
        "ip": record["ip"],
        "sys_descr": record["sys_descr"],
        "sys_object_id": record["sys_object_id"],
        "model": record["hr_device_descr"] or _device_id_model(vbs),
        "serial": record["serial"],
        "mac": record["mac"],
        "total_pages": total_pages(vbs),
        "supplies": supplies(vbs),
    }


def _device_id_model(vbs: Varbinds) -> str | None:
    """The 1284 MDL for `scan` when there is no hrDeviceDescr (a Brother inkjet answers only its device ID)."""
    found = device_id(vbs, DEVICE_ID_MODEL)
    return found.group(1).strip() if found else None
