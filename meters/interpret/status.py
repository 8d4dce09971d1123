"""Printer status, detected error bits, the alert table and the console text."""

from __future__ import annotations

from . import printer_mib as mib
from .profiles import Profile
from .types import Alert, Status
from .varbinds import VarbindIndex, as_bytes, as_text


def error_state_conditions(raw: bytes) -> list[str]:
    """Decode hrPrinterDetectedErrorState: an OCTET STRING whose bit 0 is the MSB of the first octet."""
    conditions = []
    for bit, name in enumerate(mib.ERROR_STATE_BITS):
        byte, offset = divmod(bit, 8)
        if byte < len(raw) and raw[byte] & (0x80 >> offset):
            conditions.append(name)
    return conditions


def console_charset(index: VarbindIndex) -> str:
    """Codec for console text: the localization's IANA charset; HP Roman-8 when absent (Brother's default)."""
    for _suffix, _oid, vtype, value in index.subtree(mib.PRT_LOCALIZATION_CHARSET):
        if vtype == "int" and value in mib.IANA_CHARSETS:
            return mib.IANA_CHARSETS[value]
    return mib.IANA_CHARSETS[2004]


def _console_lines(index: VarbindIndex, profile: Profile) -> list[str]:
    charset = console_charset(index)
    found = [(oid, vtype, value) for _s, oid, vtype, value in index.subtree(mib.PRT_CONSOLE_TEXT)]
    found += [(s.oid, *index.get(s.oid)) for s in profile.console if s.oid in index]  # type: ignore[misc]
    lines = []
    for _oid, vtype, value in found:
        text = _decode_console(vtype, value, charset)
        if text:
            lines.append(text)
    return lines


def _decode_console(vtype: str, value: object, charset: str) -> str:
    raw = as_bytes(vtype, value)
    if raw is None:
        return ""
    # Only raw octets need the device charset; `str` already arrived as printable UTF-8.
    text = raw.decode(charset, errors="replace") if vtype == "hex" else as_text(vtype, value) or ""
    return " ".join(text.replace("\x00", " ").split())


def _printer_row(index: VarbindIndex) -> str:
    rows = index.column(mib.HR_PRINTER_STATUS)
    return next(iter(rows), "1")


def read_status(index: VarbindIndex, profile: Profile) -> Status:
    row = _printer_row(index)
    raw_errors = index.octets(f"{mib.HR_PRINTER_ERROR_STATE}.{row}") or b""
    return Status(
        printer_status=mib.HR_PRINTER_STATUS_NAMES.get(index.integer(f"{mib.HR_PRINTER_STATUS}.{row}") or 0),
        device_status=mib.HR_DEVICE_STATUS_NAMES.get(index.integer(f"{mib.HR_DEVICE_STATUS}.{row}") or 0),
        conditions=error_state_conditions(raw_errors),
        console=_console_lines(index, profile),
    )


def alert_condition(group: int | None, code: int | None) -> str | None:
    return mib.ALERT_CODE_CONDITIONS.get(code or 0) or mib.ALERT_GROUP_CODE_CONDITIONS.get((group or 0, code or 0))


def read_alerts(index: VarbindIndex) -> list[Alert]:
    alerts = []
    for row, oid, _vtype, _value in index.subtree(mib.PRT_ALERT_CODE):
        group = index.integer(f"{mib.PRT_ALERT_GROUP}.{row}")
        code = index.integer(oid)
        severity = index.integer(f"{mib.PRT_ALERT_SEVERITY}.{row}")
        alerts.append(
            Alert(
                severity=mib.ALERT_SEVERITIES.get(severity or 0, "unknown"),
                group=mib.ALERT_GROUPS.get(group or 0, str(group)),
                code=str(code),
                condition=alert_condition(group, code),
                description=" ".join((index.text(f"{mib.PRT_ALERT_DESCR}.{row}") or "").split()),
                oid=oid,
            )
        )
    return alerts
