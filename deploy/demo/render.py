"""One demo device as snmpsim `.snmprec` text: MIB-II, Host-Resources, Printer-MIB and vendor OIDs.

Values that move over time carry the `demometer` variation tag (snmpsim_variation/demometer.py),
with `epoch` the generation time: counters rise by whole ticks, supply levels fall with them.
"""

from collections.abc import Iterator

from deploy.demo.counter_rows import Meter
from deploy.demo.counters import BROTHER_COUNTERS, MARKER_POWER_ON_COUNT, brother_records, rows_for
from deploy.demo.devices import COLORANT_NAMES, Device, Supply

Record = tuple[str, str, str]  # OID, snmprec tag, value

PRINTER_DEVICE_TYPE = "1.3.6.1.2.1.25.3.1.5"  # hrDevicePrinter
RUNNING, WARNING = 2, 3  # hrDeviceStatus
IDLE = 3  # hrPrinterStatus
LASER, INKJET_AQUEOUS = 4, 12  # prtMarkerTechnology
IMPRESSIONS = 7  # prtMarkerCounterUnit


def snmprec(device: Device, epoch: int) -> str:
    records = [*_system(device, epoch), *_network(device), *_host(device), *_printer(device, epoch)]
    records += [*_supplies(device, epoch), *_alerts(device), *_vendor(device, epoch)]
    records.sort(key=lambda record: tuple(int(part) for part in record[0].split(".")))
    return "".join(f"{oid}|{tag}|{value}\n" for oid, tag, value in records)


def sys_descr(device: Device) -> str:
    fields = {"model": device.model.name, "serial": device.serial, "firmware": device.firmware}
    return device.vendor.sys_descr.format(**fields, fn=device.serial[-7:], svcid=device.model_code * 211)


def _moving(kind: str, epoch: int, tick: float, **settings: object) -> str:
    pairs = ",".join(f"{key}={value}" for key, value in settings.items())
    return f"kind={kind},epoch={epoch},tick={tick:.6g},{pairs}"


def _system(device: Device, epoch: int) -> Iterator[Record]:
    sys_object_id = device.vendor.sys_object_id.format(code=device.model_code)
    yield "1.3.6.1.2.1.1.1.0", "4", sys_descr(device)
    yield "1.3.6.1.2.1.1.2.0", "6", sys_object_id
    # sysUpTime counts centiseconds of real time, whatever the demo speed
    yield "1.3.6.1.2.1.1.3.0", "67:demometer", _moving("counter", epoch, 0.01, start=device.uptime, step=1)
    yield "1.3.6.1.2.1.1.4.0", "4", device.contact
    yield "1.3.6.1.2.1.1.5.0", "4", device.sys_name
    yield "1.3.6.1.2.1.1.6.0", "4", device.location
    yield "1.3.6.1.2.1.1.7.0", "2", "72"


def _network(device: Device) -> Iterator[Record]:
    yield "1.3.6.1.2.1.2.1.0", "2", "1"
    yield "1.3.6.1.2.1.2.2.1.1.1", "2", "1"
    yield "1.3.6.1.2.1.2.2.1.2.1", "4", "Ethernet"
    yield "1.3.6.1.2.1.2.2.1.3.1", "2", "6"
    yield "1.3.6.1.2.1.2.2.1.5.1", "66", "1000000000"
    yield "1.3.6.1.2.1.2.2.1.6.1", "4x", device.mac.replace(":", "").lower()
    yield "1.3.6.1.2.1.2.2.1.8.1", "2", "1"
    yield f"1.3.6.1.2.1.4.20.1.1.{device.address}", "64", device.address
    yield f"1.3.6.1.2.1.4.20.1.2.{device.address}", "2", "1"
    yield f"1.3.6.1.2.1.4.20.1.3.{device.address}", "64", "255.255.255.0"


def _host(device: Device) -> Iterator[Record]:
    alert = device.alert
    yield "1.3.6.1.2.1.25.3.2.1.1.1", "2", "1"
    yield "1.3.6.1.2.1.25.3.2.1.2.1", "6", PRINTER_DEVICE_TYPE
    yield "1.3.6.1.2.1.25.3.2.1.3.1", "4", f"{device.vendor.name} {device.model.name}"
    yield "1.3.6.1.2.1.25.3.2.1.5.1", "2", str(WARNING if alert else RUNNING)
    yield "1.3.6.1.2.1.25.3.5.1.1.1", "2", str(IDLE)
    yield "1.3.6.1.2.1.25.3.5.1.2.1", "4x", f"{alert.error_bits if alert else 0:02x}"


def _printer(device: Device, epoch: int) -> Iterator[Record]:
    inkjet = device.vendor.key == "epson"
    yield "1.3.6.1.2.1.43.5.1.1.16.1", "4", f"{device.vendor.name} {device.model.name}"
    yield "1.3.6.1.2.1.43.5.1.1.17.1", "4", device.serial
    yield "1.3.6.1.2.1.43.10.2.1.2.1.1", "2", str(INKJET_AQUEOUS if inkjet else LASER)
    yield "1.3.6.1.2.1.43.10.2.1.3.1.1", "2", str(IMPRESSIONS)
    yield "1.3.6.1.2.1.43.10.2.1.6.1.1", "2", str(len(COLORANT_NAMES) if device.model.colour else 1)
    step = device.usage.total.step
    power_on = _moving("counter", epoch, device.tick, start=device.power_on_pages, step=step)
    yield MARKER_POWER_ON_COUNT, "65:demometer", power_on
    console = device.alert.description if device.alert else "Ready"
    yield "1.3.6.1.2.1.43.16.5.1.2.1.1", "4", console


def _supplies(device: Device, epoch: int) -> Iterator[Record]:
    base, colorants = "1.3.6.1.2.1.43.11.1.1", "1.3.6.1.2.1.43.12.1.1"
    for supply in device.supplies:
        index = f"1.{supply.index}"
        yield f"{base}.2.{index}", "2", "1"
        yield f"{base}.3.{index}", "2", str(supply.colorant)
        yield f"{base}.4.{index}", "2", str(supply.supply_class)
        yield f"{base}.5.{index}", "2", str(supply.kind)
        yield f"{base}.6.{index}", "4", supply.description
        yield f"{base}.7.{index}", "2", str(supply.unit)
        yield f"{base}.8.{index}", "2", str(supply.capacity)
        yield f"{base}.9.{index}", *_level(supply, device, epoch)
    for supply in (s for s in device.supplies if s.colorant):
        colour = COLORANT_NAMES[_letter(device, supply)]
        yield f"{colorants}.2.1.{supply.colorant}", "2", "1"
        yield f"{colorants}.3.1.{supply.colorant}", "2", "3"  # process colour
        yield f"{colorants}.4.1.{supply.colorant}", "4", colour
        yield f"{colorants}.5.1.{supply.colorant}", "2", "256"


def _level(supply: Supply, device: Device, epoch: int) -> tuple[str, str]:
    if supply.capacity <= 0 or not supply.step:
        return "2", str(int(supply.start))
    settings = {"start": supply.start, "step": f"{supply.step:.6g}", "capacity": supply.capacity}
    return "2:demometer", _moving("level", epoch, device.tick, **settings)


def _letter(device: Device, supply: Supply) -> str:
    order = device.vendor.toner_order if device.model.colour else "K"
    return order[supply.colorant - 1]


def _alerts(device: Device) -> Iterator[Record]:
    alert, base = device.alert, "1.3.6.1.2.1.43.18.1.1"
    if alert is None:
        return
    yield f"{base}.2.1.1", "2", "4"  # warning
    yield f"{base}.3.1.1", "2", "3"  # untrained: the customer can fix it
    yield f"{base}.4.1.1", "2", str(alert.group)
    yield f"{base}.5.1.1", "2", str(alert.group_index)
    yield f"{base}.6.1.1", "2", "-1"
    yield f"{base}.7.1.1", "2", str(alert.code)
    yield f"{base}.8.1.1", "4", alert.description
    yield f"{base}.9.1.1", "67", str(max(0, device.uptime - 360_000))


def _vendor(device: Device, epoch: int) -> Iterator[Record]:
    for row in rows_for(device.vendor.counters, device.usage, device.model):
        yield _counter(row, device, epoch) if isinstance(row, Meter) else (row.oid, row.tag, row.value)
    yield from _vendor_identity(device)
    if device.vendor.key == "brother":
        records = brother_records(device.usage, device.model)
        settings = {f"r{code}": f"{pages.start}+{pages.step}" for code, pages in records.items()}
        yield BROTHER_COUNTERS, "4x:demometer", _moving("brother", epoch, device.tick, **settings)


def _counter(meter: Meter, device: Device, epoch: int) -> Record:
    if not meter.pages.step:  # a count that never moves in the demo (large pages, two-colour rows)
        return meter.oid, meter.tag, str(meter.pages.start)
    settings = {"start": meter.pages.start, "step": meter.pages.step}
    return meter.oid, f"{meter.tag}:demometer", _moving("counter", epoch, device.tick, **settings)


# Where vendors repeat identity in their private MIBs (the OIDs meters/profiles read), as templates.
_DEVICE_ID = "MFG:{mfg};CMD:PJL,PCL,PCLXL,POSTSCRIPT;MDL:{model};CLS:PRINTER;"
_PRIVATE_IDENTITY = {
    "hp": {"1.3.6.1.4.1.11.2.3.9.1.1.7.0": _DEVICE_ID},
    "brother": {
        "1.3.6.1.4.1.2435.2.3.9.1.1.7.0": _DEVICE_ID + "CID:Brother Laser Type1;",
        "1.3.6.1.4.1.2435.2.3.9.4.2.1.5.5.1.0": "{serial}",
        "1.3.6.1.4.1.2435.2.4.3.2435.5.13.3.0": "Brother {model} series",
        "1.3.6.1.4.1.2435.2.4.3.1240.6.5.0": "Firmware Ver.{firmware}",
    },
    "canon": {"1.3.6.1.4.1.1602.1.1.1.1.0": "{model}", "1.3.6.1.4.1.1602.1.1.1.4.0": "{firmware}"},
    "ricoh": {
        "1.3.6.1.4.1.367.3.2.1.1.1.1.0": "{model}",
        "1.3.6.1.4.1.367.3.2.1.1.1.2.0": "{firmware}",
        "1.3.6.1.4.1.367.3.2.1.2.1.4.0": "{serial}",
    },
    "kyocera": {
        "1.3.6.1.4.1.1347.43.5.1.1.1.1": "{model}",
        "1.3.6.1.4.1.1347.43.5.1.1.28.1": "{serial}",
        "1.3.6.1.4.1.1347.43.5.4.1.5.1.1": "{firmware}",
    },
    "konica": {
        "1.3.6.1.4.1.18334.1.1.1.1.6.2.1.0": "KONICA MINOLTA {model}",
        "1.3.6.1.4.1.18334.1.1.1.1.6.1.0": "{firmware}",
    },
    "epson": {"1.3.6.1.4.1.1248.1.1.3.1.1.1.0": "{serial}", "1.3.6.1.4.1.1248.1.1.3.1.21.1.1.2.1": "{firmware}"},
}


def _vendor_identity(device: Device) -> Iterator[Record]:
    mfg = "Hewlett-Packard" if device.vendor.key == "hp" else device.vendor.name
    fields = {"mfg": mfg, "model": device.model.name, "serial": device.serial, "firmware": device.firmware}
    for oid, template in _PRIVATE_IDENTITY.get(device.vendor.key, {}).items():
        yield oid, "4", template.format(**fields)
