"""Vendor profiles: loaded once from meters/profiles/*.toml, matched by enterprise number and patterns."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from .types import METER_KINDS

PROFILES_DIR = Path(__file__).resolve().parent.parent / "profiles"
ENTERPRISE_PREFIX = "1.3.6.1.4.1."

# How much a kind of evidence weighs: the device naming its maker beats the SNMP stack's enterprise
# number, which print servers and OEM rebadges often carry from someone else (a Toshiba e-STUDIO305
# answers with Lexmark's 641, an HP JetDirect EX with Kyocera's 1347).
SCORE_SYS_DESCR = 3
SCORE_OTHER_TEXT = 2
SCORE_ENTERPRISE = 1


@dataclass(frozen=True)
class Brand:
    manufacturer: str
    match: re.Pattern[str]
    model: re.Pattern[str] | None
    firmware: re.Pattern[str] | None
    serial: re.Pattern[str] | None


@dataclass(frozen=True)
class OidSource:
    oid: str
    decode: str | None = None
    pattern: re.Pattern[str] | None = None


@dataclass(frozen=True)
class CounterDef:
    oid: str
    kind: str
    label: str


@dataclass(frozen=True)
class CounterTable:
    """A vendor counter table: rows named by a name column, typed by a type column and a mapping, or all of
    one `kind`.

    `rows` keeps only the rows whose index matches (tables that mix counters with other data); when it has a
    group, the group is the index the name and type columns are read at. `names` keeps only rows whose name
    matches (paper sizes that count as large). A unit column with its `units` mapping keeps billing kinds to
    rows counted in a unit we know. With `sum`, the rows of one kind are parts that add up to one meter.
    """

    value_column: str
    name_column: str | None = None
    type_column: str | None = None
    types: dict[str, str] = field(default_factory=dict)
    rows: re.Pattern[str] | None = None
    unit_column: str | None = None
    units: dict[str, str] = field(default_factory=dict)
    kind: str | None = None
    sum: bool = False
    names: re.Pattern[str] | None = None
    label: str = ""
    where: tuple[tuple[str, frozenset[str]], ...] = ()  # (column, values a row must hold there)

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the table is read from: walked whole by a read plan."""
        named = (self.value_column, self.name_column, self.type_column, self.unit_column)
        return tuple(dict.fromkeys([*(c for c in named if c), *(column for column, _values in self.where)]))


@dataclass(frozen=True)
class Profile:
    name: str
    manufacturer: str | None
    enterprises: tuple[int, ...]
    brands: tuple[Brand, ...]
    serial: tuple[OidSource, ...]
    serial_fallback: tuple[OidSource, ...]  # read after the Printer-MIB serial
    model: tuple[OidSource, ...]
    firmware: tuple[OidSource, ...]
    console: tuple[OidSource, ...]
    model_strip: tuple[re.Pattern[str], ...]
    counters: tuple[CounterDef, ...]
    counter_tables: tuple[CounterTable, ...]
    part_numbers: tuple[re.Pattern[str], ...]
    decoder: str | None = None
    decoder_options: dict[str, Any] = field(default_factory=dict)
    # (pattern on the model name whose first group is the rated speed in pages a minute, where that comes from)
    speeds: tuple[tuple[re.Pattern[str], str], ...] = ()

    def rated_speed(self, model: str | None) -> tuple[int | None, str]:
        """(pages a minute, its source) when the vendor's model numbering states the speed; (None, "") else."""
        for pattern, source in self.speeds:
            found = pattern.search(model or "")
            if found and found.group(1).isdigit() and int(found.group(1)) > 0:
                return int(found.group(1)), source
        return None, ""

    def brand_for(self, *texts: str) -> Brand | None:
        for brand in self.brands:
            if any(text and brand.match.search(text) for text in texts):
                return brand
        return None


def _compile(pattern: str | None) -> re.Pattern[str] | None:
    return re.compile(pattern) if pattern else None


def _sources(items: list[Any]) -> tuple[OidSource, ...]:
    return tuple(
        OidSource(i) if isinstance(i, str) else OidSource(i["oid"], i.get("decode"), _compile(i.get("pattern")))
        for i in items
    )


def _brand(raw: dict[str, Any]) -> Brand:
    return Brand(
        manufacturer=raw["manufacturer"],
        match=re.compile(raw["match"]),
        model=_compile(raw.get("model")),
        firmware=_compile(raw.get("firmware")),
        serial=_compile(raw.get("serial")),
    )


def _counter(raw: dict[str, Any]) -> CounterDef:
    if raw["kind"] not in METER_KINDS:
        raise ValueError(f"counter {raw['oid']}: unknown kind {raw['kind']!r}")
    return CounterDef(raw["oid"], raw["kind"], raw.get("label", ""))


def _counter_table(raw: dict[str, Any]) -> CounterTable:
    if not raw.get("name_column") and not raw.get("type_column") and not raw.get("kind"):
        raise ValueError(f"counter table {raw['value_column']} needs a name_column, a type_column or a kind")
    if raw.get("kind") and raw["kind"] not in METER_KINDS:
        raise ValueError(f"counter table {raw['value_column']}: unknown kind {raw['kind']!r}")
    return CounterTable(
        value_column=raw["value_column"],
        name_column=raw.get("name_column"),
        type_column=raw.get("type_column"),
        types=dict(raw.get("types", {})),
        rows=_compile(raw.get("rows")),
        unit_column=raw.get("unit_column"),
        units=dict(raw.get("units", {})),
        kind=raw.get("kind"),
        sum=bool(raw.get("sum", False)),
        names=_compile(raw.get("names")),
        label=raw.get("label", ""),
        where=tuple((column, frozenset(str(v) for v in values)) for column, values in raw.get("where", {}).items()),
    )


def _profile(raw: dict[str, Any]) -> Profile:
    identity = raw.get("identity", {})
    return Profile(
        name=raw["name"],
        manufacturer=raw.get("manufacturer"),
        enterprises=tuple(raw.get("enterprises", ())),
        brands=tuple(_brand(b) for b in raw.get("brands", ())),
        serial=_sources(identity.get("serial", [])),
        serial_fallback=_sources(identity.get("serial_fallback", [])),
        model=_sources(identity.get("model", [])),
        firmware=_sources(identity.get("firmware", [])),
        console=_sources(identity.get("console", [])),
        model_strip=tuple(re.compile(p) for p in identity.get("model_strip", [])),
        counters=tuple(_counter(c) for c in raw.get("counters", ())),
        counter_tables=tuple(_counter_table(t) for t in raw.get("counter_tables", ())),
        part_numbers=tuple(re.compile(p) for p in raw.get("supplies", {}).get("part_number", [])),
        speeds=tuple((re.compile(x["model"]), x.get("source", "")) for x in raw.get("speeds", ())),
        decoder=raw.get("decoder", {}).get("name"),
        decoder_options={k: v for k, v in raw.get("decoder", {}).items() if k != "name"},
    )


STANDARD_COUNTERS = "_standard_counters.toml"


@lru_cache(maxsize=1)
def load_profiles() -> tuple[Profile, ...]:
    """Every vendor profile, generic last; cached because the worker interprets thousands of reads. The standard
    counter tables (the PWG Imaging System Counter MIB) follow each profile's own: any device may answer them."""
    standard = _standard_tables()
    profiles = []
    for path in sorted(PROFILES_DIR.glob("*.toml")):
        if path.name.startswith("_"):
            continue
        with path.open("rb") as handle:
            profile = _profile(tomllib.load(handle))
        profiles.append(replace(profile, counter_tables=profile.counter_tables + standard))
    profiles.sort(key=lambda p: p.name == "generic")
    return tuple(profiles)


def _standard_tables() -> tuple[CounterTable, ...]:
    with (PROFILES_DIR / STANDARD_COUNTERS).open("rb") as handle:
        return tuple(_counter_table(t) for t in tomllib.load(handle).get("counter_tables", ()))


def profile_named(name: str) -> Profile:
    for profile in load_profiles():
        if profile.name == name:
            return profile
    raise KeyError(f"no meter profile named {name!r}")


def enterprise_of(sys_object_id: str | None) -> int | None:
    oid = (sys_object_id or "").strip().lstrip(".")
    if not oid.startswith(ENTERPRISE_PREFIX):
        return None
    head = oid[len(ENTERPRISE_PREFIX) :].split(".", 1)[0]
    return int(head) if head.isdigit() else None


def _score(profile: Profile, enterprise: int | None, sys_descr: str, others: tuple[str, ...]) -> int:
    if profile.brand_for(sys_descr):
        return SCORE_SYS_DESCR
    if profile.brand_for(*others):
        return SCORE_OTHER_TEXT
    return SCORE_ENTERPRISE if enterprise in profile.enterprises else 0


def match_profile(
    sys_object_id: str | None, sys_descr: str | None, *, device_id: str = "", hr_descr: str = ""
) -> Profile:
    """The best profile for a device; the generic Printer-MIB profile when nothing names a vendor."""
    enterprise = enterprise_of(sys_object_id)
    others = (device_id or "", hr_descr or "")
    best, best_score = profile_named("generic"), 0
    for profile in load_profiles():
        score = _score(profile, enterprise, sys_descr or "", others)
        if score > best_score:
            best, best_score = profile, score
    return best
