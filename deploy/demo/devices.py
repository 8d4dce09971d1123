"""A deterministic, varied demo fleet: which printers, their identities, usage and supplies.

Everything is drawn from `random.Random` seeded by (seed, device index), so a seed always gives
the same serials, MACs and models, and device N is the same whatever the fleet size.
"""

import ipaddress
import random
from collections.abc import Callable
from dataclasses import dataclass, replace

from deploy.demo.catalogue import CONTACTS, LOCATIONS, VENDORS, Model, Vendor
from deploy.demo.counters import LIFE_COUNT_DIFFERS, REPORT_ROWS
from deploy.demo.usage import Pages, Part, Usage

# Printer-MIB enumerations used below (RFC 3805).
TONER, WASTE_TONER, INK_CARTRIDGE, WASTE_INK, OPC = 3, 4, 6, 8, 9
CONSUMED, FILLED = 3, 4
PERCENT = 19
UNKNOWN, SOME_REMAINING = -2, -3
COLORANT_NAMES = {"K": "black", "C": "cyan", "M": "magenta", "Y": "yellow"}
# Copier vendors report a waste toner box with unknown capacity and "some remaining" (-2/-3),
# as a bizhub C250i and a Ricoh MP C3002 do; the portal must cope with that.
WASTE_BOX_VENDORS = {"canon", "ricoh", "konica", "kyocera", "sharp", "xerox"}
DRUM_VENDORS = {"brother", "konica", "samsung"}
# Demo cartridges hold at most this many pages, so at a few pages a minute a level drops by a
# percent every few minutes and the portal's supply charts visibly move within the hour.
DEMO_YIELD = 2000
LOW_SUPPLY_LASTS = 7 * 86_400.0  # seconds of real time, whatever the demo speed


@dataclass(frozen=True)
class Supply:
    index: int
    description: str
    kind: int  # prtMarkerSuppliesType
    supply_class: int
    unit: int
    capacity: int
    start: float  # level at generation time
    step: float  # units used per tick
    colorant: int = 0


@dataclass(frozen=True)
class Alert:
    group: int  # prtAlertGroup: 11 markerSupplies, 8 input
    group_index: int
    code: int  # prtAlertCode
    description: str
    error_bits: int  # hrPrinterDetectedErrorState, first octet


@dataclass(frozen=True)
class Device:
    index: int
    address: str
    vendor: Vendor
    model: Model
    serial: str
    mac: str
    sys_name: str
    location: str
    contact: str
    firmware: str
    model_code: int
    tick: float  # seconds between two print events
    usage: Usage
    supplies: tuple[Supply, ...]
    alert: Alert | None
    uptime: int  # sysUpTime (centiseconds) at generation time
    power_on_pages: int


def fleet(seed: int, count: int, base_address: str, speed: float = 1.0) -> list[Device]:
    order = list(VENDORS)
    random.Random(f"{seed}:vendors").shuffle(order)
    devices: list[Device] = []
    taken: set[str] = set()  # serials and MACs: a real segment never has two of either
    for index in range(count):
        device = _device(seed, index, order[index % len(order)], base_address, speed, taken)
        taken.update((device.serial, device.mac))
        devices.append(device)
    return devices


def address_of(base_address: str, index: int) -> str:
    return str(ipaddress.IPv4Address(base_address) + index + 1)


def _device(seed: int, index: int, vendor: Vendor, base: str, speed: float, taken: set[str]) -> Device:
    rng = random.Random(f"{seed}:device:{index}")
    model = _model(rng, vendor, colour=index % 3 != 1)
    mac = _unique(lambda: _mac(rng, vendor), taken)
    serial = _unique(lambda: _pattern(rng, vendor.serial), taken)
    # pages per print event: colour printers print 2-3 mono and 1 colour page, mono ones 1-2
    mono_step = rng.choice((2, 3)) if model.colour else rng.choice((1, 2))
    colour_step = int(model.colour)
    pages_per_minute = rng.uniform(2.0, 6.0)
    usage = _usage(rng, vendor, model, mono_step, colour_step)
    tick = 60.0 * usage.total.step / pages_per_minute / speed
    alert, supplies = _alert(rng, _supplies(rng, vendor, model, mono_step, colour_step), tick)
    return Device(
        index=index,
        address=address_of(base, index),
        vendor=vendor,
        model=model,
        serial=serial,
        mac=mac,
        sys_name=vendor.host_prefix + mac.replace(":", "")[-6:],
        location=rng.choice(LOCATIONS),
        contact=rng.choice(CONTACTS),
        firmware=f"{rng.randint(1, 9)}.{rng.randint(0, 99):02d}.{rng.randint(0, 9)}",
        model_code=rng.randint(100, 250),
        tick=tick,
        usage=usage,
        supplies=supplies,
        alert=alert,
        uptime=rng.randint(3_600, 40 * 86_400) * 100,
        power_on_pages=rng.randint(5, 900),
    )


def _model(rng: random.Random, vendor: Vendor, colour: bool) -> Model:
    fitting = [model for model in vendor.models if model.colour == colour]
    return rng.choice(fitting or list(vendor.models))


def _mac(rng: random.Random, vendor: Vendor) -> str:
    tail = ":".join(f"{rng.randrange(256):02X}" for _ in range(3))
    return f"{rng.choice(vendor.ouis)}:{tail}"


def _pattern(rng: random.Random, pattern: str) -> str:
    letters, digits = "ABCDEFGHJKLMNPQRSTUVWXYZ", "0123456789"
    pick = {"A": letters, "9": digits}
    return "".join(rng.choice(pick[char]) if char in pick else char for char in pattern)


def _unique(draw: Callable[[], str], taken: set[str]) -> str:
    value = draw()
    while value in taken:
        value = draw()
    return value


def _usage(rng: random.Random, vendor: Vendor, model: Model, mono_step: int, colour_step: int) -> Usage:
    total = rng.randint(60_000, 900_000) if model.mfp else rng.randint(4_000, 120_000)
    colour = int(total * rng.uniform(0.12, 0.35)) if model.colour else 0
    shares = (rng.uniform(0.15, 0.4) if model.mfp else 0.0, rng.uniform(0.02, 0.08))  # copied, large
    fax = int((total - colour) * rng.uniform(0.01, 0.05)) if model.fax else 0
    reports = _reports(rng, vendor, model)
    mono_copy_step = 1 if model.mfp and mono_step > 1 else 0
    parts = (
        *_tone("mono", total - colour, shares, (mono_step - mono_copy_step, mono_copy_step), fax, reports[0]),
        *_tone("colour", colour, shares, (colour_step, 0), 0, reports[1]),
    )
    scanned = (rng.uniform(0.05, 0.3), rng.uniform(0.01, 0.1)) if model.mfp else (0.0, 0.0)
    return Usage(
        parts=parts,
        duplex=Pages(int(total * rng.uniform(0.1, 0.4)), int(mono_step - mono_copy_step > 1)),
        scans=(Pages(int(total * scanned[0]), mono_copy_step), Pages(int(total * scanned[1]))),  # copies are scanned
        unbilled=rng.randint(5, 150) if vendor.counters in LIFE_COUNT_DIFFERS else 0,
    )


def _reports(rng: random.Random, vendor: Vendor, model: Model) -> tuple[int, int]:
    """Lists and reports the printer made itself, mono and colour: only where its vendor's rows count them."""
    if vendor.counters not in REPORT_ROWS:
        return 0, 0
    return rng.randint(10, 300), rng.randint(5, 90) if model.colour else 0


def _tone(
    tone: str, pages: int, shares: tuple[float, float], steps: tuple[int, int], fax: int, reports: int
) -> list[Part]:
    """One tone's parts: faxes and reports as given, the rest printed or copied, a share of both on large paper."""
    copied = int((pages - fax - reports) * shares[0])
    parts = [
        *_sized("print", tone, pages - fax - reports - copied, steps[0], shares[1]),
        *_sized("copy", tone, copied, steps[1], shares[1]),
        Part("fax", tone, "small", Pages(fax)),
        Part("report", tone, "small", Pages(reports)),
    ]
    return [part for part in parts if part.pages != Pages()]


def _sized(function: str, tone: str, pages: int, step: int, large_share: float) -> list[Part]:
    # Large pages are a fixed few per cent that do not move in the demo: every tick prints on A4.
    large = int(pages * large_share)
    return [Part(function, tone, "small", Pages(pages - large, step)), Part(function, tone, "large", Pages(large))]


def _supplies(rng: random.Random, vendor: Vendor, model: Model, mono_step: int, colour_step: int) -> tuple[Supply, ...]:
    letters = vendor.toner_order if model.colour else "K"
    supplies = []
    for position, letter in enumerate(letters, start=1):
        pages = mono_step + colour_step if letter == "K" else colour_step
        page_yield = model.yield_black if letter == "K" else model.yield_colour
        supplies.append(_toner(rng, vendor, position, letter, pages, page_yield))
    supplies += _extras(rng, vendor, len(supplies) + 1, mono_step + colour_step)
    return tuple(supplies)


def _toner(rng: random.Random, vendor: Vendor, index: int, letter: str, pages: int, page_yield: int) -> Supply:
    kind = INK_CARTRIDGE if vendor.key == "epson" else TONER
    page_yield = min(page_yield, DEMO_YIELD)
    capacity = 100 if vendor.supply_unit == PERCENT else page_yield
    step = pages * 100 / page_yield if vendor.supply_unit == PERCENT else float(pages)
    start = round(capacity * rng.uniform(0.2, 1.0), 2)
    return Supply(index, vendor.toner_names[letter], kind, CONSUMED, vendor.supply_unit, capacity, start, step, index)


def _extras(rng: random.Random, vendor: Vendor, index: int, pages: int) -> list[Supply]:
    extras = []
    if vendor.key in WASTE_BOX_VENDORS:
        extras.append(Supply(index, "Waste Toner Box", WASTE_TONER, FILLED, PERCENT, UNKNOWN, SOME_REMAINING, 0.0))
    if vendor.key == "epson":
        extras.append(Supply(index, "Maintenance Box", WASTE_INK, FILLED, PERCENT, 100, rng.randint(40, 95), 0.0))
    if vendor.key in DRUM_VENDORS:
        start = round(rng.uniform(30.0, 100.0), 2)
        extras.append(Supply(index + len(extras), "Drum Unit", OPC, CONSUMED, PERCENT, 100, start, pages / 500))
    return extras


def _alert(rng: random.Random, supplies: tuple[Supply, ...], tick: float) -> tuple[Alert | None, tuple[Supply, ...]]:
    roll = rng.random()
    if roll < 0.3:
        return _low_supply(rng, supplies, tick)
    if roll < 0.4:
        return Alert(8, 2, 808, "Tray 2 empty", 0x80), supplies  # inputMediaSupplyEmpty; lowPaper
    return None, supplies


def _low_supply(rng: random.Random, supplies: tuple[Supply, ...], tick: float) -> tuple[Alert, tuple[Supply, ...]]:
    toner = rng.choice([supply for supply in supplies if supply.kind in (TONER, INK_CARTRIDGE)])
    # The supply the alert names starts nearly empty (5-9 %) and takes a week to run out, so the
    # alert (fixed in the data) and the level agree for the whole of a demo instead of an hour.
    start = round(toner.capacity * rng.uniform(0.05, 0.09), 2)
    low = replace(toner, start=start, step=start * tick / LOW_SUPPLY_LASTS)
    code = 1105 if toner.kind == INK_CARTRIDGE else 1104  # markerInkAlmostEmpty / markerTonerAlmostEmpty
    alert = Alert(11, toner.index, code, f"{toner.description} low", 0x20)  # lowToner
    return alert, tuple(low if supply is toner else supply for supply in supplies)
