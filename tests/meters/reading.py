"""The real path of a read, minus the network: discover, pick a profile, read with its plan, interpret."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from meters.interpret import DISCOVERY_OIDS, DeviceReading, identify, interpret
from meters.interpret.plan import plan_for_profile
from tests.support.snmprec import load_recording, read_with_plan


def read_device(name: str, directory: Path) -> DeviceReading:
    """What the portal makes of a recorded printer, reading only what its computed plan asks for."""
    recording = load_recording(name, directory)
    discovered = read_with_plan(recording, list(DISCOVERY_OIDS), [])
    gets, walks = plan_for_profile(identify(discovered))
    return interpret(read_with_plan(recording, gets, walks))


def expectation(name: str, directory: Path) -> dict[str, Any] | None:
    path = directory / f"{name}.expected.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def normalise_model(model: str | None, manufacturer: str | None) -> str:
    text = " ".join((model or "").lower().split())
    for word in (manufacturer or "").lower().split():
        text = text.removeprefix(word + " ")
    return text
