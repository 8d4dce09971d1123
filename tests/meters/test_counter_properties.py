"""Property tests of the counter rules through the real pipeline (PostgreSQL): random histories of a printer with
resets, 32-bit wraps, gaps, reads that arrive out of order and reads sent twice, decided in any order. Once
every flag is decided, the pages billed are exactly the pages printed: never negative, never counted twice."""

import itertools
from datetime import timedelta

from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meters.models import MeterFlag, MeterRead
from meters.services.flags import flag_accept
from meters.services.ingest import result_interpret
from tests.dashboard.fleet_support import discover_as, recording_serial, swap_serial
from tests.meters.ingest_support import LIFE_COUNT, new_agent, read_payload, set_value, store_result

RECORDING = "konica_c250i"  # fleet_support's recording too: a bizhub C250i, 25 pages a minute
COUNTER32 = 2**32
ADDRESSES = itertools.count(1)

# One step of the printer's life between two reads: hours since the last read, pages printed meanwhile (within
# what 25 pages a minute allow), and whether its counter was reset (a board swap) before the read.
steps = st.lists(
    st.tuples(st.integers(min_value=1, max_value=12), st.integers(min_value=0, max_value=2_000), st.booleans()),
    min_size=2,
    max_size=6,
)
# A counter that starts near 2**32 wraps over to 0 as a 32-bit counter does.
starts = st.one_of(
    st.integers(min_value=0, max_value=2_000_000), st.integers(min_value=COUNTER32 - 6_000, max_value=COUNTER32 - 1)
)


def history(start: int, plan: list[tuple[int, int, bool]]) -> tuple[list[tuple[int, int, int]], dict[int, str]]:
    """(hours ago, true pages, counter shown) of each read, and what happened to the counter before each read
    ("reset" or "wrap") by hours ago: a reset counter starts again from 0, and a 32-bit counter shows its count
    modulo 2**32. A reset after which the counter shows no fewer pages than before is invisible to anyone reading
    counters: the plan leaves such a reset out."""
    hours = sum(gap for gap, _pages, _reset in plan) + 1
    true, base, reads, events = start, 0, [(hours, start, start)], {}
    for gap, pages, reset in plan:
        hours -= gap
        before = true - base
        if reset and pages < reads[-1][2]:
            base, events[hours] = true, "reset"
        elif (before + pages) // COUNTER32 > before // COUNTER32:
            events[hours] = "wrap"
        true += pages
        reads.append((hours, true, (true - base) % COUNTER32))
    return reads, events


def _truth(flag: MeterFlag, events: dict[int, str]) -> int | None:
    if flag.kind != "reset":
        return None
    read = MeterRead.objects.get(pk=flag.read_id)
    hours = round((timezone.now() - read.read_at).total_seconds() / 3600)
    return COUNTER32 if events.get(hours) == "wrap" else flag.previous


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=starts, plan=steps, data=st.data(), priorities=st.lists(st.integers(0, 99), min_size=8, max_size=8))
def test_billed_pages_equal_printed_pages_once_every_flag_is_decided(acme, start, plan, data, priorities):
    agent = new_agent()
    address = next(ADDRESSES)  # examples share one transaction: each its own printer
    device = discover_as(agent, f"10.13.{address // 250}.{address % 250 + 1}", recording_serial(), f"PROP{address}")
    as_device = swap_serial(recording_serial(), device.serial)
    reads, events = history(start, plan)
    arrival = data.draw(st.permutations(reads[1:]), label="arrival order") if len(reads) > 2 else reads[1:]
    repeated = data.draw(st.sampled_from(reads), label="sent twice")
    first_shown = reads[0][2]
    for hours, _true, shown in [reads[0], *arrival, repeated]:
        payload = read_payload(
            device, RECORDING, edit=lambda vb, shown=shown: set_value(LIFE_COUNT, shown)(as_device(vb))
        )
        result_interpret(result=store_result(agent, "read", payload, at=timezone.now() - timedelta(hours=hours)))

    # A clerk who knows what happened decides each flag: a reset is accepted with the count before it, a wrap
    # with 2**32 (the proposal is a guess there: a counter near 2**32 going to 0 may have wrapped or been reset).
    open_flags = list(MeterFlag.objects.filter(device=device, meter_kind="total", state="open").order_by("pk"))
    decision_order = sorted(open_flags, key=lambda f: priorities[open_flags.index(f) % len(priorities)])
    for flag in decision_order:
        flag.refresh_from_db()
        if flag.state == "open":
            flag_accept(flag=flag, by="clerk@acme.example", offset=_truth(flag, events))
    device.refresh_from_db()
    stored = [r.total for r in device.reads.order_by("read_at")]
    last_true = reads[-1][1]
    assert not device.reads.filter(is_flagged=True).exists()
    assert stored == sorted(stored)  # never negative usage between two reads
    assert device.latest_total - first_shown == last_true - reads[0][1]  # every page printed, billed once
    months = list(device.months.order_by("month"))
    assert all(m.min_total <= m.max_total for m in months)
    assert months[-1].max_total - months[0].min_total == last_true - reads[0][1]
