"""Plain dataclasses the interpreter hands out: no Django, no behaviour beyond small conveniences."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# One varbind as the agent posts it: [oid, type, value] (docs/agent-protocol.md, "Varbinds").
Varbind = list[Any]

# The billing meters a dealer invoices from, in the order reports, exports and the API show them. Each is
# absent unless the device states it (or its own rows add up to it): never 0, never "total - colour".
BILLING_KINDS: tuple[str, ...] = (
    "total",
    "mono",
    "color",
    "print",
    "print_mono",
    "print_color",
    "copy",
    "copy_mono",
    "copy_color",
    "fax",
    "fax_mono",
    "fax_color",
    "large",
    "large_mono",
    "large_color",
    "scan",
)
# How the UI, reports and exports name each meter kind (British English, as the rest of the UI).
METER_LABELS = {
    "total": "Total",
    "mono": "Mono",
    "color": "Colour",
    "print": "Print",
    "print_mono": "Print mono",
    "print_color": "Print colour",
    "copy": "Copy",
    "copy_mono": "Copy mono",
    "copy_color": "Copy colour",
    "fax": "Fax",
    "fax_mono": "Fax mono",
    "fax_color": "Fax colour",
    "large": "Large",
    "large_mono": "Large mono",
    "large_color": "Large colour",
    "scan": "Scan",
    "duplex": "Duplex sheets",
    "sheets": "Sheets (not billed)",
}
# What each rule means to a dealer reading where a meter came from.
RULE_TEXTS = {
    "stated": "stated by the device",
    "sum": "the sum of the device's rows that split it",
    "functions": "print + copy + fax, which add up to the device's total",
    "mono_only": "the device has one colourant by its own word",
}

# Counted but not billed: duplex sheets, a life count in sheets (not the sides a dealer bills), and rows the
# device names that we cannot classify.
METER_KINDS = frozenset({*BILLING_KINDS, "duplex", "sheets", "unclassified"})

# How a meter's value came about (Meter.rule). The first two are the device's own numbers; the others are
# derived from them by a rule the device's own data allows.
RULE_STATED = "stated"  # one OID: a scalar or one table row
RULE_SUM = "sum"  # the sum of the rows of one table that split this meter (by paper size, duplex, ...)
RULE_FUNCTIONS = "functions"  # mono/colour as the sum of the per-function meters, checked against the total
RULE_MONO_ONLY = "mono_only"  # a device with one colorant by its own word: mono is its total, colour is 0
STATED_RULES = frozenset({RULE_STATED, RULE_SUM})


@dataclass(frozen=True)
class OidPlan:
    """What a `read` directive asks the agent to fetch: scalars to GET, subtrees to WALK."""

    get: list[str]
    walk: list[str]

    def as_dict(self) -> dict[str, list[str]]:
        return {"get": list(self.get), "walk": list(self.walk)}


@dataclass(frozen=True)
class Problem:
    """Something about a read a dealer or support engineer should know; never silently dropped."""

    code: str
    message: str
    oid: str | None = None


@dataclass(frozen=True)
class Meter:
    """One page counter. `kind` is from METER_KINDS; `unclassified` keeps the device's own label.

    `rule` says how the value came about (RULE_*), `oids` every OID it was taken from (one for a stated
    meter). A table row that is one part of a summed meter is read as rule "part" and summed by
    meters.interpret.billing before anything leaves the interpreter.
    """

    kind: str
    value: int
    oid: str
    label: str = ""
    unit: str | None = None
    rule: str = RULE_STATED
    oids: tuple[str, ...] = ()

    @property
    def source_oids(self) -> tuple[str, ...]:
        return self.oids or (self.oid,)


@dataclass(frozen=True)
class Supply:
    """A consumable. level_percent is None whenever the device did not give a real fraction."""

    description: str
    kind: str
    colour: str | None
    level_percent: float | None
    level_raw: int | None
    max_capacity: int | None
    unit: str | None
    level_state: str
    oid: str
    part_number: str | None = None
    pages_remaining: int | None = None


@dataclass(frozen=True)
class Alert:
    severity: str
    group: str
    code: str
    condition: str | None
    description: str
    oid: str


@dataclass(frozen=True)
class Status:
    printer_status: str | None = None
    device_status: str | None = None
    conditions: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Identity:
    manufacturer: str | None = None
    model: str | None = None
    serial: str | None = None
    mac: str | None = None
    hostname: str | None = None
    location: str | None = None
    contact: str | None = None
    firmware: str | None = None
    sys_object_id: str | None = None
    sys_descr: str | None = None


@dataclass(frozen=True)
class DeviceReading:
    profile: str
    identity: Identity
    meters: list[Meter]
    supplies: list[Supply]
    status: Status
    alerts: list[Alert]
    problems: list[Problem]
    # The counters as read, before meters.interpret.billing made `meters` of them: what a steady-state read
    # advances (meters.interpret.steady), with the mono-only word the billing rules took into account.
    counters: list[Meter] = field(default_factory=list)
    mono_only: bool = False

    def meter(self, kind: str) -> Meter | None:
        """The first meter of a kind, or None when the device does not expose it."""
        return next((m for m in self.meters if m.kind == kind), None)


@dataclass(frozen=True)
class Flag:
    """A meter value that must not enter a report as a normal number until a dealer looks at it."""

    kind: str  # "reset" or "jump"
    meter_kind: str
    oid: str
    previous: int
    current: int
    message: str
    proposed_offset: int | None = None
    ceiling: int | None = None
    # The flag is on the read after the one checked: a read that arrives late showing more pages than the read
    # after it reveals that the later read was a reset.
    on_following: bool = False
