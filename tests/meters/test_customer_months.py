"""The overview's monthly volume and top customers, and the volume API, read each customer's monthly pages
(CustomerMonth) instead of every device's months: a fleet built through the real ingest shows the same numbers
as the per-device computation from MeterMonth they replaced."""

import importlib
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.utils import timezone

from meters.models import CustomerMonth, Device, MeterMonth
from meters.selectors import (
    RANKING_MONTHS,
    TOP_CUSTOMERS,
    VOLUME_MONTHS,
    customer_volume,
    fleet_volume,
    month_start,
    volume_by_month,
    volume_cache_forget,
)
from meters.services.devices import device_delete
from meters.services.rollups import customer_months_rebuild
from tests.dashboard.fleet_support import RECORDING, discover_as, recording_serial, swap_serial
from tests.meters.ingest_support import LIFE_COUNT, new_agent, read
from tests.support.personas import api_client_for

KONICA_COUNTERS = "1.3.6.1.4.1.18334.1.1.1.5.7.2."
KONICA_MONO = KONICA_COUNTERS + "2.1.5.1."
KONICA_COLOR = KONICA_COUNTERS + "2.1.5.2."

# The overview's volume before CustomerMonth, per device from MeterMonth: the oracle the rollup must equal.
PER_DEVICE_VOLUME_SQL = """
WITH deltas AS (
    SELECT device_id, month,
           greatest(max_total - coalesce(lag(max_total) OVER w, min_total), 0) AS total,
           greatest(max_mono - coalesce(lag(max_mono) OVER w, min_mono), 0) AS mono,
           greatest(max_color - coalesce(lag(max_color) OVER w, min_color), 0) AS color
    FROM meters_metermonth
    WHERE month >= %(since)s::date
    WINDOW w AS (PARTITION BY device_id ORDER BY month)
)
SELECT c.public_id::text, c.name, d.month, coalesce(sum(d.mono), 0), coalesce(sum(d.color), 0),
       coalesce(sum(greatest(d.total - coalesce(d.mono, 0) - coalesce(d.color, 0), 0)), 0), count(*)
FROM deltas d
JOIN meters_device dev ON dev.id = d.device_id
JOIN agents_site s ON s.id = dev.site_id
JOIN agents_customer c ON c.id = s.customer_id
WHERE d.month >= %(first)s::date
GROUP BY 1, 2, 3
"""


@pytest.fixture(autouse=True)
def fresh_volume_cache(acme):
    volume_cache_forget()
    yield
    volume_cache_forget()


def per_device_volume(now: datetime) -> list[tuple]:
    params = {"since": month_start(now, VOLUME_MONTHS), "first": month_start(now, VOLUME_MONTHS - 1)}
    with connection.cursor() as cursor:
        cursor.execute(PER_DEVICE_VOLUME_SQL, params)
        return cursor.fetchall()


def expected_months(rows: list[tuple], now: datetime, customer: str | None = None):
    picked = [
        (month, mono, color, unsplit) for cid, _n, month, mono, color, unsplit, _d in rows if customer in (None, cid)
    ]
    return volume_by_month(picked, now=now)


def expected_top(rows: list[tuple], now: datetime) -> list[tuple]:
    ranked_since = month_start(now, RANKING_MONTHS - 1).date()
    by_customer: dict[tuple, list[int]] = {}
    for cid, name, month, mono, color, unsplit, devices in rows:
        if month >= ranked_since:
            sums = by_customer.setdefault((cid, name), [0, 0, 0, 0])
            sums[0], sums[1], sums[2] = sums[0] + mono, sums[1] + color, sums[2] + unsplit
            sums[3] = max(sums[3], devices)
    ranking = sorted(by_customer.items(), key=lambda item: (-(item[1][0] + item[1][1] + item[1][2]), item[0][1]))
    return [(cid, name, mono, color, unsplit, devices) for (cid, name), (mono, color, unsplit, devices) in ranking][
        :TOP_CUSTOMERS
    ]


def counters(*, mono: int, color: int, total: int, total_only: bool = False):
    """A read's edit: the recording's counters advanced by these pages (each mono and colour counter of the
    Konica's two functions); total_only hides the vendor counters, so the printer states only its total."""

    def edit(vb: list) -> list:
        if isinstance(vb[2], int) and vb[0].startswith(KONICA_MONO):
            vb[2] += mono
        elif isinstance(vb[2], int) and vb[0].startswith(KONICA_COLOR):
            vb[2] += color
        elif isinstance(vb[2], int) and vb[0] == LIFE_COUNT:
            vb[2] += total
        if total_only and vb[0].startswith(KONICA_COUNTERS):
            vb[0] = "1.3.6.1.4.1.99999.1." + vb[0][len(KONICA_COUNTERS) :]
        return vb

    return edit


def read_history(agent, device: Device, times: list[tuple[int, datetime]], *, step: int, total_only: bool) -> None:
    """Reads of the device through the ingest at the (n, time) given, its counters rising by a different amount
    each time (mono by step*n on each function, colour by half that, and a few pages beyond the split)."""
    serial = swap_serial(recording_serial(), device.serial)
    for n, at in times:
        pages = counters(mono=step * n, color=step * n // 2, total=3 * step * n + n * 7, total_only=total_only)
        read(agent, device, RECORDING, at=at, edit=lambda vb, pages=pages: pages(serial(vb)))


# (customer, serial, pages a step, states only its total, read from the first month shown or a month later)
FLEET = [
    ("north", "CMN1", 40, False, True),
    ("north", "CMN2", 25, True, False),
    ("south", "CMS1", 90, False, True),
    ("south", "CMS2", 10, True, False),
    ("south", "CMS3", 60, False, True),
    ("east", "CME1", 30, False, False),
]


def build_fleet(now: datetime) -> dict[str, object]:
    """Three customers' split and total-only printers read over three months; then one printer is deleted and
    one moves to another customer, and the others go on being read this month."""
    last_month = month_start(now, 1)
    times = [month_start(now, 2) + timedelta(days=3), last_month + timedelta(days=1, hours=2)]
    times += [last_month + timedelta(days=20), now - timedelta(hours=2), now - timedelta(minutes=30)]
    original = recording_serial()
    agents = {name: new_agent() for name in ("north", "south", "east")}
    devices, schedules = {}, {}
    for index, (owner, serial, _step, _total_only, early) in enumerate(FLEET, start=1):
        devices[serial] = discover_as(agents[owner], f"10.61.{index}.1", original, serial)
        schedules[serial] = list(enumerate(times[:-1] if early else times[1:], start=1))
    for history in (lambda s: s[:2], lambda s: s[2:]):  # up to last month; then this month
        for owner, serial, step, total_only, _early in FLEET:
            if serial in devices:
                agent = agents["north"] if serial == "CME1" and "CMS3" not in devices else agents[owner]
                read_history(agent, devices[serial], history(schedules[serial]), step=step, total_only=total_only)
        if "CMS3" in devices:
            device_delete(device=devices.pop("CMS3"))
            # East's printer shows up at north's site, with its history: its pages now count for north.
            moved = discover_as(agents["north"], "10.61.99.1", original, "CME1")
            assert moved.pk == devices["CME1"].pk and moved.site_id == agents["north"].site_id
            devices["CME1"] = moved
    return agents


def test_the_overview_and_volume_api_show_what_the_per_device_rollups_add_up_to(acme):
    now = timezone.now()
    agents = build_fleet(now)
    rows = per_device_volume(now)
    assert {cid for cid, *_ in rows} == {str(a.site.customer.public_id) for a in (agents["north"], agents["south"])}
    assert any(unsplit for *_, unsplit, _d in rows) and any(color for *_, color, _u, _d in rows)

    volume = fleet_volume(now=now, fresh=True)
    assert volume.months == expected_months(rows, now)
    top = [(c.public_id, c.name, c.mono, c.color, c.unsplit, c.devices) for c in volume.top_customers]
    assert top == expected_top(rows, now)

    client = api_client_for(acme, acme.viewer)
    for agent in agents.values():
        customer = str(agent.site.customer.public_id)
        body = client.get(f"/api/v1/volume/?customer={customer}").json()
        shown = [(m["month"], m["mono"], m["color"], m["unsplit"]) for m in body["months"]]
        want = [(m.month.isoformat(), m.mono, m.color, m.unsplit) for m in expected_months(rows, now, customer)]
        assert shown == want, agent.site.customer.name
        assert customer_volume(customer_id=customer, now=now) == expected_months(rows, now, customer)


def test_the_rows_kept_at_ingest_equal_a_rebuild_and_the_migrations_backfill(acme):
    now = timezone.now()
    build_fleet(now)
    kept = set(CustomerMonth.objects.values_list("customer_id", "month", "mono", "color", "unsplit", "devices"))
    assert kept and MeterMonth.objects.exists()

    customer_months_rebuild()
    assert set(CustomerMonth.objects.values_list("customer_id", "month", "mono", "color", "unsplit", "devices")) == kept

    CustomerMonth.objects.all().delete()
    migration = importlib.import_module("meters.migrations.0010_customer_month_and_dashboard_indexes")
    migration.customer_months_backfill(None, SimpleNamespace(connection=connection))
    assert set(CustomerMonth.objects.values_list("customer_id", "month", "mono", "color", "unsplit", "devices")) == kept
