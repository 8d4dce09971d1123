"""What an open alert says to a dealer: "Paper jam", "Toner low (Black 8 %)", with a severity for its badge.

Plain Python over the stored alert's code, description and source (meters.services.reads stores them): the
error-state bits and the alert table's known codes are named here, a device's own alert text is kept when it has
one, and a toner alert from a measured level names the colour and the level.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from meters.choices import SUPPLY_LOW_PREFIX

# hrPrinterDetectedErrorState bits and the alert table's conditions (meters.interpret.printer_mib), in words.
CONDITION_TEXTS = {
    "low_paper": "Paper low",
    "paper_low": "Paper low",
    "no_paper": "Out of paper",
    "paper_empty": "Out of paper",
    "input_tray_empty": "Input tray empty",
    "input_tray_missing": "Input tray missing",
    "output_tray_missing": "Output tray missing",
    "output_near_full": "Output tray nearly full",
    "output_almost_full": "Output tray nearly full",
    "output_full": "Output tray full",
    "low_toner": "Toner low",
    "toner_low": "Toner low",
    "no_toner": "Out of toner",
    "toner_empty": "Out of toner",
    "toner_missing": "Toner cartridge missing",
    "ink_low": "Ink low",
    "ink_empty": "Out of ink",
    "marker_supply_missing": "Supply missing",
    "supply_low": "Supply low",
    "supply_empty": "Supply empty",
    "supply_near_end": "Supply near its end",
    "supply_end": "Supply at its end",
    "waste_almost_full": "Waste toner box nearly full",
    "waste_full": "Waste toner box full",
    "drum_near_end": "Drum near its end",
    "drum_end": "Drum at its end",
    "developer_low": "Developer low",
    "developer_empty": "Developer empty",
    "door_open": "Door open",
    "jam": "Paper jam",
    "jammed": "Paper jam",
    "offline": "Offline",
    "service_requested": "Service requested",
    "overdue_preventive_maintenance": "Maintenance overdue",
}
# Conditions that stop the device printing: critical whatever severity the device gave them.
STOPPING = frozenset(
    {
        "no_paper",
        "paper_empty",
        "no_toner",
        "toner_empty",
        "toner_missing",
        "ink_empty",
        "door_open",
        "jam",
        "jammed",
        "offline",
        "output_full",
        "input_tray_missing",
        "marker_supply_missing",
        "waste_full",
        "drum_end",
        "supply_empty",
        "supply_end",
    }
)
SEVERITY_ORDER = {"critical": 0, "warning": 1, "notice": 2}
LEVEL = re.compile(r"\((\d+(?:\.\d+)?) ?%\)")


@dataclass(frozen=True)
class AlertText:
    text: str
    severity: str  # critical | warning | notice: the badge


def alert_text(*, code: str, description: str, source: str, severity: str) -> AlertText:
    return AlertText(_words(code, description, source), _severity(code, severity))


def alert_texts(alerts) -> list[AlertText]:
    """The texts of a device's open alerts, most severe first, each said once."""
    texts = {alert_text(code=a.code, description=a.description, source=a.source, severity=a.severity) for a in alerts}
    return sorted(texts, key=lambda t: (SEVERITY_ORDER[t.severity], t.text))


def _words(code: str, description: str, source: str) -> str:
    if source == "supply" and code.startswith(SUPPLY_LOW_PREFIX):
        return _supply_words(code.removeprefix(SUPPLY_LOW_PREFIX), description)
    # The device's own words where it gave some (the alert table's description), else ours for the code.
    own = description.strip().rstrip(".")
    if own and own.lower() != code.replace("_", " ").lower():
        return own[:1].upper() + own[1:]
    return CONDITION_TEXTS.get(code) or code.replace("_", " ").capitalize()


def _supply_words(name: str, description: str) -> str:
    """'Toner low (Black 8 %)': the colour (or the supply's name) and the level measured under the threshold."""
    if " " in name:  # no colour: the code holds the supply's own name, which the description says in full
        return description
    kind = "Ink" if "ink" in description.lower().split() else "Toner"
    level = LEVEL.search(description)
    detail = name.capitalize() + (f"\u00a0{level.group(1)}\u00a0%" if level else "")  # "(Black 8 %)" stays whole
    return f"{kind} low ({detail})"


def _severity(code: str, severity: str) -> str:
    if severity == "critical" or code in STOPPING:
        return "critical"
    return "warning" if severity.startswith("warning") else "notice"
