"""A dealer's meter mapping: for one model, which vendor counter feeds which billing meter (Print Tracker's
"meter mapping"). Applied to the counters a read states, before meters.interpret.billing composes them.

The caller (meters.services.mappings) passes the model's mapping as plain data: OID -> billing kind, or ""
for "not billed". A mapped counter becomes a stated counter of its kind and goes first, so it wins over the
profile's counters of that kind; one mapped to "" is kept, unclassified. The profile's other counters stay as
read: the rows of a summed table that are not mapped away keep adding up among themselves.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import replace

from .billing import compose
from .types import BILLING_KINDS, RULE_STATED, DeviceReading, Meter

NOT_BILLED = ""


def shared_oids(counters: list[Meter]) -> set[str]:
    """OIDs that more than one counter is read from (Brother's counter records sit in one blob): such a
    counter cannot be told apart by its OID, so it cannot be mapped on its own."""
    return {oid for oid, count in Counter(m.oid for m in counters).items() if count > 1}


def mapped_counters(counters: list[Meter], overrides: Mapping[str, str]) -> list[Meter]:
    """The counters with the mapping applied: mapped ones first (as stated counters of their kind), the rest in
    the profile's order. A kind that is neither a billing kind nor "" is ignored (the profile stands)."""
    if not overrides:
        return counters
    shared = shared_oids(counters)
    first, rest = [], []
    for meter in counters:
        kind = overrides.get(meter.oid) if meter.oid not in shared else None
        if kind == NOT_BILLED:
            rest.append(replace(meter, kind="unclassified", rule=RULE_STATED))
        elif kind in BILLING_KINDS:
            first.append(replace(meter, kind=kind, rule=RULE_STATED))
        else:
            rest.append(meter)
    return first + rest


def mapping_applied(reading: DeviceReading, overrides: Mapping[str, str]) -> DeviceReading:
    """A reading interpreted by its profile alone, with the model's mapping applied to its counters and its
    billing meters composed again from them."""
    if not overrides:
        return reading
    counters = mapped_counters(reading.counters, overrides)
    return replace(reading, counters=counters, meters=compose(counters, mono_only=reading.mono_only))


def mapping_version(overrides: Mapping[str, str]) -> str:
    """Names a model's whole mapping ("" for none): a steady state built under another mapping is no good.
    meters.services.steady_ingest computes the same text in SQL (OIDs sorted bytewise, `oid=kind` joined by
    ';', md5, 16 hex digits)."""
    if not overrides:
        return ""
    text = ";".join(f"{oid}={kind}" for oid, kind in sorted(overrides.items()))
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()[:16]
