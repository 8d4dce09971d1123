"""A generated printer read back from its snmprec file: fixed values as they are, counters as start + step per tick.

A counter served through the demometer variation is `start + step * ticks`, so two sums of counters are
equal at every instant exactly when their starts and their steps are: comparing `Count`s checks that.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

NUMBER_TAGS = {"2", "65", "66", "67", "70"}  # Integer32, Counter32, Gauge32, TimeTicks, Counter64


@dataclass(frozen=True)
class Count:
    start: int
    step: int = 0

    def __add__(self, other: Count) -> Count:
        return Count(self.start + other.start, self.step + other.step)


def read(path: Path) -> dict[str, Any]:
    """OID -> Count (numbers), str (text), or {record code: Count} (Brother's counter records)."""
    values: dict[str, Any] = {}
    for line in path.read_text(encoding="ascii").splitlines():
        oid, tag, value = line.split("|", 2)
        values[oid] = _value(tag, value)
    return values


def _value(tag: str, value: str) -> Any:
    base, _, variation = tag.partition(":")
    if variation == "demometer":
        settings = dict(item.split("=", 1) for item in value.split(","))
        if settings["kind"] == "brother":
            return {int(key[1:], 16): _pair(raw) for key, raw in settings.items() if key.startswith("r")}
        return Count(int(settings["start"]), int(settings["step"])) if settings["kind"] == "counter" else value
    return Count(int(value)) if base in NUMBER_TAGS else value


def _pair(raw: str) -> Count:
    start, step = raw.split("+")
    return Count(int(start), int(step))
