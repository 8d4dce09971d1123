"""The fleet's data folder: one folder per printer, named by the address it answers on.

    DIR/<address>/public.snmprec   the printer at <address>, community `public`
    DIR/fleet.json                 what was generated: address, vendor, model, serial per printer

snmpsim 1.2.2 cannot pick a data file by the address a request arrived on: its per-address layout
(`public/1.3.6.1.6.1.1.<n>.snmprec`) is chosen in `handleMgmtOperation` overrides that pysnmp 7 no
longer calls. So `serve` gives every printer its own SNMP engine (`--v3-engine-id`) with its own data
folder and listening address, all in one process, which is what a real segment looks like anyway.
"""

import json
import time
from pathlib import Path
from typing import Any

from deploy.demo.devices import Device, fleet
from deploy.demo.render import snmprec, sys_descr

COMMUNITY = "public"
MANIFEST = "fleet.json"


class FleetError(Exception):
    """A fleet folder that cannot be generated or served."""


def write_fleet(
    out: Path, *, seed: int, count: int, base_address: str, speed: float, epoch: int | None
) -> dict[str, Any]:
    if count < 1 or speed <= 0:
        raise FleetError("--count must be at least 1 and --speed above 0")
    devices = fleet(seed, count, base_address, speed)
    epoch = int(time.time()) if epoch is None else epoch
    _remove_old_printers(out)
    for device in devices:
        folder = out / device.address
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{COMMUNITY}.snmprec").write_text(snmprec(device, epoch), encoding="ascii")
    manifest = {"seed": seed, "epoch": epoch, "speed": speed, "community": COMMUNITY, "devices": _rows(devices)}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def _remove_old_printers(out: Path) -> None:
    """A smaller fleet generated over a bigger one must not leave printers behind."""
    if not (out / MANIFEST).exists():
        return
    for row in read_manifest(out)["devices"]:
        (out / row["address"] / f"{COMMUNITY}.snmprec").unlink(missing_ok=True)


def _rows(devices: list[Device]) -> list[dict[str, Any]]:
    return [
        {
            "index": device.index,
            "address": device.address,
            "vendor": device.vendor.name,
            "model": device.model.name,
            "colour": device.model.colour,
            "mfp": device.model.mfp,
            "serial": device.serial,
            "mac": device.mac,
            "sys_name": device.sys_name,
            "sys_descr": sys_descr(device),
            "counters": device.vendor.counters,
            "seconds_per_tick": round(device.tick, 4),
            "pages_per_minute": round(device.usage.total.step * 60 / device.tick, 2),
            "alert": device.alert.description if device.alert else None,
        }
        for device in devices
    ]


def read_manifest(data: Path) -> dict[str, Any]:
    try:
        return dict(json.loads((data / MANIFEST).read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise FleetError(f"{data / MANIFEST} not found: run `fleet.py generate --out {data}` first") from None


def addresses(data: Path, *, count: int | None = None) -> list[str]:
    """Listening addresses in fleet order, the first `count` of them if given."""
    rows = sorted(read_manifest(data)["devices"], key=lambda row: row["index"])[:count]
    if not rows:
        raise FleetError("no printers to serve")
    return [row["address"] for row in rows]
