"""A dealer's decisions on flagged reads: one decision per reset or jump, taken once, whoever clicks twice.

A reset opens an episode for its device: the reads after it are held with it (meters.services.reads), so that
one decision settles them all. Accepting a reset adds one offset (the count before the reset, unless the dealer
gives another) to the reset read and every read after it; then the reads no open episode holds any more are
released, and the device's months and latest figures are rebuilt. Dismissing leaves the numbers as they are.
"""

from django.db import transaction
from django.utils import timezone

from meters.choices import FlagState
from meters.models import Device, MeterFlag, MeterOffset, MeterRead
from meters.services.reads import device_speed, meter_flags, open_jump, read_pair, reads_release
from meters.services.rollups import rollups_rebuild

SPLIT_KINDS = ("total", "mono", "color")


class FlagAlreadyDecided(Exception):
    """The flag was decided by someone else (or by a double click) first."""

    def __init__(self, flag: MeterFlag) -> None:
        self.flag = flag
        super().__init__(f"That flagged read was already {flag.state} by {flag.resolved_by}.")


@transaction.atomic
def flag_accept(*, flag: MeterFlag, by: str, offset: int | None = None) -> MeterFlag:
    """Accepts the flag: for a reset, the reset read and the later ones count on from before the reset (the
    proposed offset, or `offset`); a jump is taken as real."""
    flag = _locked_open(flag)
    if flag.kind == "reset":
        _offset_apply(flag, flag.proposed_offset if offset is None else offset)
    return _decided(flag, FlagState.ACCEPTED, by)


def _offset_apply(flag: MeterFlag, amount: int | None) -> None:
    """One offset per reset: a reset already accepted on a later read of the same episode (it came in first)
    moves back to this read instead of adding its offset twice."""
    since = flag.read.read_at
    later = MeterOffset.objects.filter(
        device=flag.device,
        meter_kind=flag.meter_kind,
        since__gt=since,
        flag__kind="reset",
        flag__previous=flag.previous,
    ).first()
    if later is not None:
        for read in flag.device.reads.filter(read_at__gte=since, read_at__lt=later.since):
            _shift(read, flag.meter_kind, later.offset)
        later.since = since
        later.save(update_fields=["since"])
        return
    MeterOffset.objects.create(
        device=flag.device, meter_kind=flag.meter_kind, offset=amount or 0, since=since, flag=flag
    )
    for read in flag.device.reads.filter(read_at__gte=since):
        _shift(read, flag.meter_kind, amount or 0)


@transaction.atomic
def flag_dismiss(*, flag: MeterFlag, by: str) -> MeterFlag:
    """The read is right as it is (e.g. a counter really was replaced and billing restarts)."""
    return _decided(_locked_open(flag), FlagState.DISMISSED, by)


def _locked_open(flag: MeterFlag) -> MeterFlag:
    """The flag, row-locked, still open: a second click or a second dealer waits here, then is told."""
    locked = MeterFlag.objects.select_for_update().select_related("device", "read").get(pk=flag.pk)
    if locked.state != FlagState.OPEN:
        raise FlagAlreadyDecided(locked)
    return locked


def _decided(flag: MeterFlag, state: str, by: str) -> MeterFlag:
    flag.state, flag.resolved_by, flag.resolved_at = state, by[:254], timezone.now()
    flag.save(update_fields=["state", "resolved_by", "resolved_at"])
    _recheck(flag.device, after=by)
    reads_release(flag.device)
    rollups_rebuild(flag.device)
    return flag


def _recheck(device: Device, *, after: str) -> None:
    """Checks every open flag of the device again against its neighbours as they now stand: a flag a decision
    made moot (a read out of order that fits once an offset is applied) is closed, saying why."""
    for flag in device.flags.filter(state=FlagState.OPEN).select_related("read"):
        read = flag.read
        before = MeterRead.objects.filter(device=device, read_at__lt=read.read_at).exclude(open_jump())
        after_read = device.reads.filter(read_at__gt=read.read_at, is_flagged=False).order_by("read_at").first()
        found = meter_flags(
            read_pair(before.order_by("-read_at").first()),
            read.values,
            {flag.meter_kind: flag.oid},
            read.read_at,
            speed=device_speed(device),
            following=read_pair(after_read),
        )
        if not any((f.kind, f.meter_kind) == (flag.kind, flag.meter_kind) for f in found):
            flag.state, flag.resolved_at = FlagState.DISMISSED, timezone.now()
            flag.resolved_by = f"re-checked after {after}'s decision: the read now fits its neighbours"[:254]
            flag.save(update_fields=["state", "resolved_by", "resolved_at"])


def _shift(read: MeterRead, kind: str, offset: int) -> None:
    if kind in read.values:
        read.values[kind] += offset
        read.total, read.mono, read.color = (read.values.get(k) for k in SPLIT_KINDS)
        read.save(update_fields=["values", "total", "mono", "color"])
