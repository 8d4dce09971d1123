"""The billing export's reads: every device's candidate start and end reads found in SQL, streamed in batches.

One statement for the whole fleet (LATERAL index lookups on meter reads by device and time, never a query per
device), read through a server-side cursor so 100,000 devices cost one batch of memory. Each device's period
starts and ends at midnight in its own site's time zone: the boundaries are worked out here for every zone the
sites use (Python's zone data, the same the rest of the portal uses) and joined in.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

from django.db import connection

from agents.models import Customer, Site
from meters.choices import RULE_ENTERED, FlagState, Lifecycle
from meters.models import Device, MeterFlag, MeterRead
from portal.lib.zones import zone
from reports.billing.lines import MAX_FLAG_DETAILS, BillingDevice, OpenFlag, Period, Read

BATCH_SIZE = 2000
TABLES = {
    "device": Device._meta.db_table,
    "read": MeterRead._meta.db_table,
    "flag": MeterFlag._meta.db_table,
    "site": Site._meta.db_table,
    "customer": Customer._meta.db_table,
}

# bs: the last good read at or before the start; be: the last at or before the end; fi: the first in the period
# (wanted only without bs); ae: the first after the end (wanted only with no read in the period). A device counts
# if it is monitored, was found by the period's end, and is not retired unless it was read after the start.
CHOSEN = """
WITH bounds AS (
    SELECT * FROM unnest(%(zones)s::text[], %(starts)s::timestamptz[], %(ends)s::timestamptz[])
        AS b(time_zone, start_at, end_at)
),
scope AS (
    SELECT d.id, b.start_at, b.end_at
    FROM {device} d
    JOIN {site} s ON s.id = d.site_id
    JOIN bounds b ON b.time_zone = s.time_zone
    WHERE d.is_monitored AND d.first_seen_at <= b.end_at
      AND (d.lifecycle <> %(retired)s OR d.last_read_at > b.start_at) {customer_filter}
),
chosen AS (
    SELECT x.id, x.start_at, x.end_at, bs.read_at AS bs_at, bs.values AS bs_values, be.read_at AS be_at,
           be.values AS be_values, fi.read_at AS fi_at, fi.values AS fi_values, ae.read_at AS ae_at,
           ae.values AS ae_values, bs.entered_by AS bs_entered_by, fi.entered_by AS fi_entered_by,
           be.entered_by AS be_entered_by, ae.entered_by AS ae_entered_by
    FROM scope x
    LEFT JOIN LATERAL (
        SELECT r.read_at, r.values, {entered_by} FROM {read} r
        WHERE r.device_id = x.id AND NOT r.is_flagged AND r.read_at <= x.start_at
        ORDER BY r.read_at DESC LIMIT 1
    ) bs ON true
    LEFT JOIN LATERAL (
        SELECT r.read_at, r.values, {entered_by} FROM {read} r
        WHERE r.device_id = x.id AND NOT r.is_flagged AND r.read_at <= x.end_at
        ORDER BY r.read_at DESC LIMIT 1
    ) be ON true
    LEFT JOIN LATERAL (
        SELECT r.read_at, r.values, {entered_by} FROM {read} r
        WHERE bs.read_at IS NULL AND r.device_id = x.id AND NOT r.is_flagged
          AND r.read_at > x.start_at AND r.read_at <= x.end_at
        ORDER BY r.read_at LIMIT 1
    ) fi ON true
    LEFT JOIN LATERAL (
        SELECT r.read_at, r.values, {entered_by} FROM {read} r
        WHERE (be.read_at IS NULL OR be.read_at <= x.start_at) AND r.device_id = x.id AND NOT r.is_flagged
          AND r.read_at > x.end_at
        ORDER BY r.read_at LIMIT 1
    ) ae ON true
)
"""

# Who typed a read in from the device's panel (a meter-reading link; meters.services.manual_reads), as they gave
# their name; NULL for a read its agent took. An entered read always states a total.
ENTERED_BY = (
    "CASE WHEN r.sources->'total'->>'rule' = %(entered)s"
    " THEN coalesce(r.sources->'total'->>'entered_by', '') END AS entered_by"
)

STATED_KINDS = """
SELECT DISTINCT e.key
FROM chosen t
CROSS JOIN LATERAL unnest(ARRAY[t.bs_values, t.be_values, t.fi_values, t.ae_values]) AS v(doc)
CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(v.doc) = 'object' THEN v.doc END) AS e
WHERE jsonb_typeof(e.value) = 'number'
"""

OPEN_FLAGS = """
    SELECT f.kind, f.meter_kind, f.previous, f.current, fr.read_at
    FROM {flag} f JOIN {read} fr ON fr.id = f.read_id
    WHERE f.device_id = d.id AND f.state = %(open)s AND fr.read_at <= t.end_at
"""

DEVICES = """
SELECT d.public_id, c.name, c.account_number, s.name, s.time_zone, d.manufacturer, d.model, d.serial, d.mac,
       host(d.ip), d.location, d.lifecycle, d.first_seen_at, t.start_at, t.end_at,
       t.bs_at, t.bs_values, t.fi_at, t.fi_values, t.be_at, t.be_values, t.ae_at, t.ae_values,
       t.bs_entered_by, t.fi_entered_by, t.be_entered_by, t.ae_entered_by,
       (SELECT count(*) FROM ({open_flags}) n),
       (SELECT json_agg(json_build_array(l.kind, l.meter_kind, l.previous, l.current, extract(epoch FROM l.read_at))
                        ORDER BY l.read_at)
          FROM ({open_flags} ORDER BY fr.read_at LIMIT %(max_flags)s) l)
FROM chosen t
JOIN {device} d ON d.id = t.id
JOIN {site} s ON s.id = d.site_id
JOIN {customer} c ON c.id = s.customer_id
ORDER BY c.name, c.id, s.name, s.id, d.manufacturer, d.model, d.serial, d.id
"""


def billing_stated_kinds(*, period: Period, customer: Customer | None) -> set[str]:
    """Every meter kind a start or end read of a device in the export states (the columns the export needs)."""
    sql, params = _statement(STATED_KINDS, period=period, customer=customer)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {key for (key,) in cursor.fetchall()}


def billing_devices(
    *, period: Period, customer: Customer | None, batch_size: int = BATCH_SIZE
) -> Iterator[BillingDevice]:
    """The export's devices, by customer, site, manufacturer, model and serial, with their candidate reads."""
    sql, params = _statement(DEVICES, period=period, customer=customer)
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(batch_size):
            yield from (_device(row) for row in rows)


def _statement(select: str, *, period: Period, customer: Customer | None) -> tuple[str, dict]:
    zones = Site.objects.order_by().values_list("time_zone", flat=True).distinct()
    if customer is not None:
        zones = zones.filter(customer=customer)
    names = list(zones)
    bounds = [period.bounds(zone(name)) for name in names]
    params = {
        "zones": names,
        "starts": [start for start, _end in bounds],
        "ends": [end for _start, end in bounds],
        "retired": Lifecycle.RETIRED.value,
        "open": FlagState.OPEN.value,
        "max_flags": MAX_FLAG_DETAILS,
        "customer": customer.pk if customer is not None else None,
        "entered": RULE_ENTERED,
    }
    customer_filter = "AND s.customer_id = %(customer)s" if customer is not None else ""
    open_flags = OPEN_FLAGS.format(**TABLES)
    sql = (CHOSEN + select).format(
        customer_filter=customer_filter, open_flags=open_flags, entered_by=ENTERED_BY, **TABLES
    )
    return sql, params


ROW_FIELDS = (
    "public_id",
    "customer",
    "account",
    "site",
    "time_zone",
    "manufacturer",
    "model",
    "serial",
    "mac",
    "ip",
    "location",
    "lifecycle",
    "first_seen_at",
    "start_at",
    "end_at",
    "bs_at",
    "bs_values",
    "fi_at",
    "fi_values",
    "be_at",
    "be_values",
    "ae_at",
    "ae_values",
    "bs_entered_by",
    "fi_entered_by",
    "be_entered_by",
    "ae_entered_by",
    "flag_count",
    "flags",
)


def _device(row: tuple) -> BillingDevice:
    r = dict(zip(ROW_FIELDS, row, strict=True))
    return BillingDevice(
        device_id=str(r["public_id"]),
        customer=r["customer"],
        customer_account=r["account"],
        site=r["site"],
        time_zone=r["time_zone"],
        manufacturer=r["manufacturer"],
        model=r["model"],
        serial=r["serial"],
        mac=r["mac"],
        ip=r["ip"],
        location=r["location"],
        lifecycle=r["lifecycle"],
        first_seen_at=r["first_seen_at"],
        start_at=r["start_at"],
        end_at=r["end_at"],
        before_start=_read(r["bs_at"], r["bs_values"], r["bs_entered_by"]),
        first_in=_read(r["fi_at"], r["fi_values"], r["fi_entered_by"]),
        before_end=_read(r["be_at"], r["be_values"], r["be_entered_by"]),
        after_end=_read(r["ae_at"], r["ae_values"], r["ae_entered_by"]),
        flag_count=r["flag_count"],
        flags=tuple(_flag(item) for item in _json(r["flags"]) or ()),
    )


def _read(at: datetime | None, values: object, entered_by: str | None = None) -> Read | None:
    if at is None:
        return None
    document = _json(values)
    return Read(at=at, values=document if isinstance(document, dict) else {}, entered_by=entered_by)


def _flag(item: list) -> OpenFlag:
    kind, meter_kind, previous, current, epoch = item
    return OpenFlag(kind, meter_kind, previous, current, datetime.fromtimestamp(float(epoch), UTC))


def _json(value: object) -> object:
    """Django hands jsonb to raw cursors as text (its fields parse it), json as Python: accept both."""
    return json.loads(value) if isinstance(value, str | bytes) else value
