"""Dealer meter mappings: which vendor counter feeds which billing meter, per make and model.

The interpreter applies a mapping (meters.interpret.mapping); this module looks mappings up for a batch of
devices in one query, validates a dealer's change and saves it, and then re-derives the model's history
(meters.services.rederive) in the same transaction, so stored reads never disagree with the mapping.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from meters.interpret.mapping import NOT_BILLED
from meters.interpret.types import BILLING_KINDS
from meters.models import Device, MeterMapping, SteadyState
from meters.selectors import KnownCounter, model_mapping
from meters.services.rederive import Rederived, devices_rederive


class MappingInvalid(ValueError):
    """A mapping change that cannot be saved; `reasons` says why, one sentence each."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def mapping_check(
    *, choices: Mapping[str, str | None], counters: Iterable[KnownCounter], current: Mapping[str, str]
) -> dict[str, str]:
    """The model's whole mapping after `choices` (OID -> billing kind, "" not billed, None profile default),
    or MappingInvalid: unknown kinds, OIDs no device of the model states (rows already saved may be changed or
    reset), counters read out of one blob, and two counters feeding one billing meter."""
    known = {counter.oid: counter for counter in counters}
    reasons = [reason for oid, kind in choices.items() if (reason := _choice_reason(oid, kind, known, current))]
    after = {oid: kind for oid, kind in {**current, **choices}.items() if kind is not None}
    feeding: dict[str, list[str]] = defaultdict(list)
    for oid, kind in sorted(after.items()):
        if kind:
            feeding[kind].append(oid)
    reasons += [
        f"{kind}: fed by {len(oids)} counters ({', '.join(oids)}); a billing meter takes one."
        for kind, oids in feeding.items()
        if len(oids) > 1
    ]
    if reasons:
        raise MappingInvalid(reasons)
    return after


def _choice_reason(oid: str, kind: str | None, known: dict[str, KnownCounter], current: Mapping[str, str]) -> str:
    if kind is None:
        return ""  # back to the profile's reading: always allowed
    if kind != NOT_BILLED and kind not in BILLING_KINDS:
        return f"{oid}: '{kind}' is not a billing meter (one of {', '.join(BILLING_KINDS)}, or \"\" for not billed)."
    if oid not in known and oid not in current:
        return f"{oid}: no device of this model states this counter in its last read."
    if oid in known and not known[oid].mappable:
        return f"{oid}: read out of one record with other counters; it cannot be mapped alone."
    return ""


@dataclass
class MappingChange:
    """A saved mapping change: the model's mapping now and what re-deriving its history changed."""

    mapping: dict[str, str]
    changed: bool
    rederived: Rederived | None


@transaction.atomic
def mapping_save(
    *,
    manufacturer: str,
    model: str,
    choices: Mapping[str, str | None],
    counters: Iterable[KnownCounter],
    by: str,
) -> MappingChange:
    """Saves a dealer's choices for a model (OID -> billing kind, "" not billed, None profile default) and
    re-derives the history of every device of the model. Raises MappingInvalid. Nothing is re-derived when
    nothing changed."""
    counters = list(counters)
    rows = model_mapping(manufacturer=manufacturer, model=model)
    current = {oid: row.kind for oid, row in rows.items()}
    after = mapping_check(choices=choices, counters=counters, current=current)
    if after == current:
        return MappingChange(after, False, None)
    labels = {counter.oid: counter.label for counter in counters}
    _rows_store(manufacturer, model, rows, after, labels, by)
    devices = Device.objects.filter(manufacturer=manufacturer, model=model)
    # Their states were built under the old mapping: each device's next read is interpreted in full.
    SteadyState.objects.filter(device__in=devices).delete()
    return MappingChange(after, True, devices_rederive(devices=devices.order_by("pk")))


def _rows_store(manufacturer, model, rows: dict[str, MeterMapping], after: dict[str, str], labels, by) -> None:
    now = timezone.now()
    MeterMapping.objects.filter(pk__in=[row.pk for oid, row in rows.items() if oid not in after]).delete()
    for oid, kind in after.items():
        row = rows.get(oid)
        if row is None:
            label = labels.get(oid, "")[:255]
            MeterMapping.objects.create(
                manufacturer=manufacturer, model=model, oid=oid, kind=kind, label=label, changed_by=by, changed_at=now
            )
        elif row.kind != kind:
            row.kind, row.changed_by, row.changed_at = kind, by, now
            row.label = labels.get(oid, row.label)[:255]
            row.save(update_fields=["kind", "changed_by", "changed_at", "label"])
