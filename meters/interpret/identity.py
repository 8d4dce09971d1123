"""Who the device is: maker, model, serial, MAC, names, firmware; garbage rejected, not passed on."""

from __future__ import annotations

import re

from . import printer_mib as mib
from .profiles import Brand, OidSource, Profile
from .types import Identity, Problem
from .varbinds import VarbindIndex, as_bytes, as_text

# Placeholders devices and firmware ship with instead of a serial (seen: "0000000", "XXXXXXXX",
# "Unknown", "N/A"; the brother library anonymises its fixtures to the literal "serial_number").
_PLACEHOLDER = re.compile(
    r"^(?:unknown|n/?a|none|null|nil|default|serial[ _-]?(?:number|no)?|sn|not ?available|0123456789|123456789)$",
    re.IGNORECASE,
)
_ONE_CHAR_REPEATED = re.compile(r"^(.)\1*$")
# MACs that name no one printer: all zeros, broadcast, and the placeholder anonymised captures carry (every
# brother-lib_* recording answers aa:bb:cc:dd:ee:ff); keyed by one, different printers would become one device.
_PLACEHOLDER_MACS = frozenset({"00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff", "aa:bb:cc:dd:ee:ff"})
_MIN_SERIAL_LENGTH = 4
_DEVICE_ID_MODEL = re.compile(r"(?:^|;)\s*(?:MDL|MODEL):\s*([^;]+)")
_DEVICE_ID_MAKER = re.compile(r"(?:^|;)\s*(?:MFG|MANUFACTURER|MANUFACTURE):\s*([^;]+)")
_HP_PML_PREFIX = b"\x01\x15"  # HP PML strings start with a type/length prefix (HP LaserJet MFP M130nw).


def decode_source(index: VarbindIndex, source: OidSource, *, keep_nul: bool = False) -> str | None:
    """The text behind an identity OID; keep_nul keeps NUL padding visible so a serial can be judged."""
    found = index.get(source.oid)
    if not found:
        return None
    vtype, value = found
    raw = as_bytes(vtype, value)
    if raw is None:
        return as_text(vtype, value)
    if source.decode == "hp_pml":
        raw = raw.removeprefix(_HP_PML_PREFIX)
    text = (raw if keep_nul else raw.rstrip(b"\x00")).decode("utf-8", errors="replace")
    return _pattern_group(source.pattern, text) if source.pattern else text


# The longest serial kept (Device.serial's column); longer text is a description or garbage, not an identity.
MAX_SERIAL_LENGTH = 64


def serial_problem(serial: str) -> str | None:
    """Why a serial is garbage, or None when it is a plausible serial."""
    if any(not ch.isprintable() or ch == "\ufffd" for ch in serial):
        return "contains non-printable bytes"
    stripped = serial.strip()
    if len(stripped) < _MIN_SERIAL_LENGTH:
        return "is empty or too short"
    if len(stripped) > MAX_SERIAL_LENGTH:
        return f"is longer than any serial ({MAX_SERIAL_LENGTH} characters)"
    if _ONE_CHAR_REPEATED.match(stripped):
        return "is one character repeated (padding or a placeholder)"
    if _PLACEHOLDER.match(stripped):
        return "is a placeholder"
    return None


def clean_serial(raw: str | None, oid: str, problems: list[Problem]) -> str | None:
    if raw is None:
        return None
    reason = serial_problem(raw.rstrip(" "))
    if reason:
        problems.append(Problem("garbage_serial", f"serial {raw!r} {reason}; ignored", oid))
        return None
    return raw.strip()


def mac_from(vtype: str, value: object) -> str | None:
    raw = as_bytes(vtype, value)
    if raw is not None and len(raw) == 17 and raw.count(b":") == 5:
        try:
            raw = bytes.fromhex(raw.decode("ascii").replace(":", ""))
        except ValueError:
            return None
    if raw is None or len(raw) != 6:
        return None
    return ":".join(f"{b:02x}" for b in raw)


def first_mac(index: VarbindIndex, problems: list[Problem]) -> str | None:
    for _suffix, oid, vtype, value in index.subtree(mib.IF_PHYS_ADDRESS):
        mac = mac_from(vtype, value)
        if mac in _PLACEHOLDER_MACS:
            problems.append(Problem("garbage_mac", f"MAC {mac} is not a real address; ignored", oid))
        elif mac:
            return mac
    return None


def device_id_text(index: VarbindIndex) -> str:
    return next((t for oid in mib.DEVICE_ID_OIDS if (t := index.text(oid))), "")


def printer_hr_descr(index: VarbindIndex) -> str:
    """hrDeviceDescr of the row whose hrDeviceType is printer (row 1 when types were not read)."""
    types = index.column(mib.HR_DEVICE_TYPE)
    row = next((s for s, (_t, v) in types.items() if str(v).lstrip(".") == mib.HR_DEVICE_PRINTER), "1")
    return index.text(f"{mib.HR_DEVICE_DESCR}.{row}") or ""


def _pattern_group(pattern: re.Pattern[str] | None, text: str) -> str | None:
    found = pattern.search(text) if pattern and text else None
    return found.group(1).strip() if found else None


def _clean_model(model: str | None, profile: Profile, manufacturer: str | None) -> str | None:
    if not model:
        return None
    model = " ".join(model.split())
    for pattern in profile.model_strip:
        model = pattern.sub("", model).strip()
    if manufacturer and model.lower().startswith(manufacturer.lower() + " "):
        model = model[len(manufacturer) + 1 :]
    return model or None


def _model(index: VarbindIndex, profile: Profile, brand: Brand | None, texts: dict[str, str]) -> str | None:
    """sysDescr when the brand's pattern finds a model there, then vendor OIDs, IEEE 1284 ID, hrDeviceDescr."""
    candidates = [_pattern_group(brand.model, texts["sys_descr"]) if brand else None]
    candidates += [decode_source(index, source) for source in profile.model]
    candidates += [_pattern_group(_DEVICE_ID_MODEL, texts["device_id"]), texts["hr_descr"]]
    manufacturer = brand.manufacturer if brand else profile.manufacturer
    return next((m for c in candidates if (m := _clean_model(c, profile, manufacturer))), None)


def _serial(
    index: VarbindIndex, profile: Profile, brand: Brand | None, sys_descr: str, problems: list[Problem]
) -> str | None:
    general = [OidSource(oid) for _s, oid, _t, _v in index.subtree(mib.PRT_GENERAL_SERIAL)]
    for source in (*profile.serial, *general, *profile.serial_fallback):
        serial = clean_serial(decode_source(index, source, keep_nul=True), source.oid, problems)
        if serial:
            return serial
    from_descr = _pattern_group(brand.serial, sys_descr) if brand else None
    return clean_serial(from_descr, mib.SYS_DESCR, problems)


def _firmware(index: VarbindIndex, profile: Profile, brand: Brand | None, sys_descr: str) -> str | None:
    found = (decode_source(index, source) for source in profile.firmware)
    return next((f.strip() for f in found if f and f.strip()), None) or (
        _pattern_group(brand.firmware, sys_descr) if brand else None
    )


def _manufacturer(profile: Profile, brand: Brand | None, device_id: str) -> str | None:
    if brand:
        return brand.manufacturer
    return profile.manufacturer or _pattern_group(_DEVICE_ID_MAKER, device_id)


def identity_texts(index: VarbindIndex) -> dict[str, str]:
    return {
        "sys_descr": index.text(mib.SYS_DESCR) or "",
        "sys_object_id": (index.text(mib.SYS_OBJECT_ID) or "").lstrip("."),
        "device_id": device_id_text(index),
        "hr_descr": printer_hr_descr(index),
    }


def read_identity(index: VarbindIndex, profile: Profile, problems: list[Problem]) -> Identity:
    texts = identity_texts(index)
    brand = profile.brand_for(texts["sys_descr"], texts["device_id"], texts["hr_descr"])
    return Identity(
        manufacturer=_manufacturer(profile, brand, texts["device_id"]),
        model=_model(index, profile, brand, texts),
        serial=_serial(index, profile, brand, texts["sys_descr"], problems),
        mac=first_mac(index, problems),
        hostname=index.text(mib.SYS_NAME),
        location=index.text(mib.SYS_LOCATION),
        contact=index.text(mib.SYS_CONTACT),
        firmware=_firmware(index, profile, brand, texts["sys_descr"]),
        sys_object_id=texts["sys_object_id"] or None,
        sys_descr=texts["sys_descr"] or None,
    )
