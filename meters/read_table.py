"""The device page's table of past reads: newest first, a page at a time, and a jump to a date.

Paged by read time (keyset), not by page number: a device read every few minutes has hundreds of thousands of
reads, and "the reads before this one" is one probe of the (device, -read_at) index whatever the page.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from meters.choices import RULE_ENTERED, FlagState
from meters.interpret.types import BILLING_KINDS, METER_LABELS
from meters.models import Device, MeterFlag, MeterRead

PAGE_SIZE = 20
CORE_KINDS = frozenset({"total", "mono", "color"})
FLAG_WORDS = {"reset": "went backwards", "jump": "jumped"}
STATE_WORDS = {FlagState.OPEN: "held back", FlagState.ACCEPTED: "offset accepted", FlagState.DISMISSED: "dismissed"}


@dataclass
class ReadRow:
    read: MeterRead
    meters: list[tuple[int | None, bool]]  # (pages, core) in the columns' order; None: the read does not state it
    notes: list[tuple[str, str]] = field(default_factory=list)  # (css, words)


@dataclass
class ReadPage:
    rows: list[ReadRow]
    columns: list[tuple[str, str, bool]]  # (kind, label, core) of every billing meter a read on the page states
    older: datetime | None  # read_at to page from for older reads; None: this is the oldest page
    newer: datetime | None  # read_at to page from for newer reads; None: this is the newest page
    on: date | None  # the day jumped to, if any


def read_page(
    *,
    device: Device,
    zone: tzinfo,
    before: datetime | None = None,
    after: datetime | None = None,
    on: date | None = None,
    size: int = PAGE_SIZE,
) -> ReadPage:
    """A page of the device's reads, newest first: the newest, those before/after a read time, or those up to
    the end of a day in the site's zone (`on`: that day's reads on top, else the last ones before it)."""
    reads = device.reads.all()
    if on is not None:
        before = datetime.combine(on + timedelta(days=1), time.min, tzinfo=zone)
    if after is not None:
        chunk = list(reads.filter(read_at__gt=after).order_by("read_at")[: size + 1])
        more_newer, chunk = len(chunk) > size, chunk[:size][::-1]
        more_older = bool(chunk) and reads.filter(read_at__lt=chunk[-1].read_at).exists()
    else:
        window = reads.filter(read_at__lt=before) if before is not None else reads
        chunk = list(window.order_by("-read_at")[: size + 1])
        more_older, chunk = len(chunk) > size, chunk[:size]
        more_newer = bool(chunk) and reads.filter(read_at__gt=chunk[0].read_at).exists()
    return ReadPage(
        rows=_rows(device, chunk, columns := _columns(chunk)),
        columns=columns,
        older=chunk[-1].read_at if more_older else None,
        newer=chunk[0].read_at if more_newer else None,
        on=on,
    )


def _columns(reads: list[MeterRead]) -> list[tuple[str, str, bool]]:
    """Total, mono and colour are core: a phone shows those and leaves the per-function meters out."""
    stated = {kind for read in reads for kind in (read.values or {})}
    return [(kind, METER_LABELS.get(kind, kind), kind in CORE_KINDS) for kind in BILLING_KINDS if kind in stated]


def _rows(device: Device, reads: list[MeterRead], columns: list[tuple[str, str, bool]]) -> list[ReadRow]:
    flags: dict[int, list[MeterFlag]] = {}
    for flag in MeterFlag.objects.filter(device=device, read_id__in=[read.pk for read in reads]):
        flags.setdefault(flag.read_id, []).append(flag)
    rows = []
    for read in reads:
        values = read.values or {}
        meters = [(values.get(kind), core) for kind, _label, core in columns]
        rows.append(ReadRow(read, meters, _notes(read, flags.get(read.pk, []))))
    return rows


def _notes(read: MeterRead, flags: list[MeterFlag]) -> list[tuple[str, str]]:
    """What happened to this read, in the words of the flagged-reads panel."""
    notes = [
        (
            "warn" if flag.state == FlagState.OPEN else "",
            f"{flag.meter_kind} {FLAG_WORDS.get(flag.kind, flag.kind)}: {STATE_WORDS.get(flag.state, flag.state)}",
        )
        for flag in flags
    ]
    if read.is_flagged and not any(flag.state == FlagState.OPEN for flag in flags):
        notes.append(("warn", "held back from reports"))
    sources = read.sources or {}
    if any(isinstance(s, dict) and s.get("rule") == RULE_ENTERED for s in sources.values()):
        notes.append(("", "entered by the customer"))
    return notes
