"""Benchmark: the fleet dashboards for a dealer with 10,000 devices and 1,000,000 meter reads.

Creates a throw-away database (DATABASE_URL's server, a random name), two dealers in it (1,000 devices /
100,000 reads and 10,000 devices / 1,000,000 reads, generated with INSERT ... SELECT generate_series),
then times the overview, the devices list and a device page through the Django test client (server time,
in process) and counts their SQL queries for both fleet sizes: the counts must be equal.
Writes bench/results/dashboard.json. Usage: .venv/bin/python bench/dashboard.py [--runs 40] [--keep]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import re
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULT = ROOT / "bench" / "results" / "dashboard.json"
TARGET_P95_MS = 150  # every page, over the day's mix of cold and warm requests
TARGET_COLD_OVERVIEW_MS = 150  # the overview with its cache just cleared (issue 16)
# One overview request in two follows a cleared cache. Every ingest batch invalidates the overview's volume:
# a dealer whose agents post every few minutes from hundreds of sites clears it more often than a person
# reloads, so a first look after a batch is the rule; the warm half stands for the repeat views (a second
# person, back from a device page, a refresh) that land before the next batch.
COLD_EVERY = 2
COLD_SHARE_WHY = (
    "every ingest batch clears the overview's volume cache; a busy dealer's agents post more often than "
    "a person reloads, so about every other overview request (first looks after a batch) is cold and the "
    "rest (repeat views before the next batch) warm"
)
READS_PER_DEVICE = 100
DEVICES_PER_CUSTOMER = 10
PASSWORD = "a long bench password 42"


def create_database(url: str, prefix: str = "mb_bench_dash") -> tuple[str, str]:
    """A fresh database on the server of `url`; returns (its URL, its name)."""
    import dj_database_url
    import psycopg

    conf = dj_database_url.parse(url)
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = _conninfo(conf, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + "/" + name, name


def drop_database(url: str, name: str) -> None:
    import dj_database_url
    import psycopg

    with psycopg.connect(_conninfo(dj_database_url.parse(url), "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _conninfo(conf: dict, dbname: str) -> str:
    parts = {
        "host": conf.get("HOST"),
        "port": conf.get("PORT"),
        "user": conf.get("USER"),
        "password": conf.get("PASSWORD"),
        "dbname": dbname,
    }
    return " ".join(f"{key}={value}" for key, value in parts.items() if value)


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
    os.environ.pop("MB_TEST_DB_READY", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)


# One dealer's fleet, in its schema: customers with one site and one agent each, devices spread over them,
# READS_PER_DEVICE reads per device over the past year with growing counters and falling toner, four
# supplies per device, an open alert on 5 % of devices, 3 % of devices stale, 2 % of agents silent.
FLEET_SQL = """
INSERT INTO agents_customer (public_id, name, account_number, contact_name, contact_email, contact_phone,
    report_emails, notes, needs_confirmation, created_at)
SELECT gen_random_uuid(), 'Customer ' || lpad(c::text, 5, '0'), 'A' || c, '', '', '', '{}', '', false, now()
FROM generate_series(1, %(customers)s) c;

INSERT INTO agents_site (public_id, customer_id, name, address, time_zone, scan_targets, scan_exclusions,
    scan_rate_limit, snmp_port, needs_confirmation, created_at)
SELECT gen_random_uuid(), id, 'Head office', '', (ARRAY['Europe/Berlin','America/Chicago','Asia/Tokyo'])[id %% 3 + 1],
    '', '', 0, 161, false, now()
FROM agents_customer;

INSERT INTO agents_agent (public_id, site_id, hostname, os, version, token_prefix, token_hash, enrolled_at,
    last_seen_at, outbox_depth, outbox_dropped, networks, last_error)
SELECT gen_random_uuid(), id, 'pc-' || id, 'Linux', '0.1.0', 'p' || id, repeat('0', 64), now() - interval '1 year',
    CASE WHEN id %% 50 = 0 THEN now() - interval '3 days' ELSE now() - interval '2 minutes' END, 0, 0, '[]', ''
FROM agents_site;

INSERT INTO meters_device (public_id, site_id, identity_key, serial, mac, manufacturer, model, hostname, location,
    contact, firmware, sys_object_id, sys_descr, profile, ip, port, is_monitored, lifecycle, first_seen_at,
    last_seen_at, last_read_at, latest_total, latest_mono, latest_color, lowest_supply_percent, status_text,
    problems)
SELECT gen_random_uuid(), s.id, 'sn:BENCH' || d, 'BENCH' || lpad(d::text, 6, '0'), '',
    (ARRAY['Konica Minolta','Ricoh','HP','Kyocera','Brother'])[d %% 5 + 1], 'Model ' || (d %% 17),
    '', 'Floor ' || (d %% 9), '', '', '', '', 'generic', ('10.' || (d / 65536) || '.' || (d / 256 %% 256) || '.'
    || (d %% 256))::inet, 161, true, CASE WHEN d %% 33 = 0 THEN 'stale' ELSE 'active' END,
    now() - interval '1 year' + (d %% 400) * interval '1 day', now(), now() - (d %% 24) * interval '1 hour',
    NULL, NULL, NULL, NULL, 'idle', '[]'
FROM generate_series(1, %(devices)s) d
JOIN agents_site s ON s.customer_id = (SELECT min(id) FROM agents_customer) + (d - 1) / %(per_customer)s;

INSERT INTO meters_meterread (device_id, read_at, total, mono, color, values, sources, supply_levels, is_flagged)
SELECT device_id, read_at, total, mono, color,
    jsonb_strip_nulls(jsonb_build_object('total', total, 'mono', mono, 'color', color)), '{}'::jsonb,
    jsonb_build_object('1.3.6.1.2.1.43.11.1.1.9.1.1', toner), false
FROM (SELECT dev.id AS device_id,
    now() - (%(reads)s - k) * %(spacing)s::interval - (dev.id %% 24) * interval '1 hour' AS read_at,
    1000 * dev.id %% 50000 + k * (300 + dev.id %% 200) + k * (dev.id %% 3) * 40 AS total,
    1000 * dev.id %% 50000 + k * (300 + dev.id %% 200) AS mono,
    CASE WHEN dev.id %% 3 = 0 THEN NULL ELSE k * (dev.id %% 3) * 40 END AS color,
    greatest(0, 100 - ((k + dev.id * 7) * (1 + dev.id %% 4)) %% 101) AS toner
    FROM meters_device dev, generate_series(1, %(reads)s) k) generated;

-- The monthly rollup the ingest keeps (meters/services/rollups.py), built here in one go.
INSERT INTO meters_metermonth (device_id, month, min_total, max_total, min_mono, max_mono, min_color, max_color)
SELECT device_id, date_trunc('month', read_at AT TIME ZONE 'UTC')::date,
       min(total), max(total), min(mono), max(mono), min(color), max(color)
FROM meters_meterread WHERE NOT is_flagged GROUP BY 1, 2;

-- Latest values through the (device, -read_at) index: one probe per device, not a sort of every read.
UPDATE meters_device dev SET latest_total = r.total, latest_mono = r.mono, latest_color = r.color,
    lowest_supply_percent = (r.supply_levels ->> '1.3.6.1.2.1.43.11.1.1.9.1.1')::float
FROM meters_device d2 CROSS JOIN LATERAL (SELECT * FROM meters_meterread m WHERE m.device_id = d2.id
    ORDER BY m.read_at DESC LIMIT 1) r
WHERE d2.id = dev.id;

INSERT INTO meters_supply (device_id, key, description, kind, colour, level_percent, level_raw, max_capacity, unit,
    level_state, part_number, pages_remaining, updated_at)
SELECT dev.id, '1.3.6.1.2.1.43.11.1.1.9.1.' || n, (ARRAY['Black','Cyan','Magenta','Yellow'])[n] || ' Toner',
    'toner', lower((ARRAY['Black','Cyan','Magenta','Yellow'])[n]), coalesce(dev.lowest_supply_percent, 50) + n,
    NULL, 100, 'percent', '', '', NULL, now()
FROM meters_device dev, generate_series(1, 4) n;

INSERT INTO meters_alert (public_id, device_id, code, severity, description, source, first_seen_at, last_seen_at,
    cleared_at)
SELECT gen_random_uuid(), id, CASE WHEN id %% 2 = 0 THEN 'jam' ELSE 'door_open' END, 'warning', 'Paper jam',
    'alert_table', now() - interval '2 days', now(), CASE WHEN id %% 20 = 0 THEN NULL ELSE now() END
FROM meters_device WHERE id %% 4 = 0;

INSERT INTO meters_deviceevent (device_id, kind, at, details)
SELECT id, 'new', first_seen_at, '{}' FROM meters_device;
"""


def make_dealer(code: str, devices: int, reads: int = READS_PER_DEVICE) -> Any:
    """A dealer with `devices` devices and `reads` reads each, spread evenly over the past year."""
    from django.db import connection
    from django_tenants.utils import schema_context

    from meters.services.rollups import customer_months_refresh
    from portal.dealers.services import dealer_create

    dealer = dealer_create(
        code=code, name=f"Bench {code}", admin_email=f"admin@{code}.example", admin_password=PASSWORD
    )
    started = time.perf_counter()
    params = {
        "customers": max(1, devices // DEVICES_PER_CUSTOMER),
        "devices": devices,
        "per_customer": DEVICES_PER_CUSTOMER,
        "reads": reads,
        "spacing": f"{365 * 24 * 60 // reads} minutes",
    }
    with schema_context(dealer.schema_name), connection.cursor() as cursor:
        _month_partitions_for_history()
        cursor.execute("SET work_mem = '256MB'")  # the rollup's GROUP BY in memory, as a bulk load would
        for statement in _fleet_sql(cursor):
            cursor.execute(statement, params)
        customer_months_refresh(cursor, customers=None)  # the customers' months, as the migration backfills them
        cursor.execute("RESET work_mem")
        cursor.execute("ANALYZE")
    dealer.build_seconds = round(time.perf_counter() - started, 1)
    with connection.cursor() as cursor:  # kept with the data, for a later --reuse run to report
        cursor.execute(f"COMMENT ON SCHEMA {dealer.schema_name} IS 'build_seconds={dealer.build_seconds}'")
    print(f"{code}: {devices:,} devices, {devices * reads:,} reads in {dealer.build_seconds}s", flush=True)
    return dealer


def _month_partitions_for_history() -> None:
    """The year of history goes into its month partitions, as a dealer's reads would, not into DEFAULT."""
    from datetime import date, timedelta

    from meters.services.partitions import partitions_ensure

    partitions_ensure(since=date.today() - timedelta(days=400))


def _fleet_sql(cursor) -> list[str]:
    """FLEET_SQL's statements, each INSERT completed with the NOT NULL columns later migrations added (Django
    keeps defaults in Python, not in the table): false, 0, '{}' or '' by their type."""
    statements = []
    for statement in FLEET_SQL.split(";\n\n"):
        insert = re.match(r"\s*(?:--[^\n]*\n)*INSERT INTO (\w+) \(([^)]*)\)", statement)
        if insert:
            listed = {name.strip() for name in insert.group(2).split(",")}
            extra = [(n, v) for n, v in _required_columns(cursor, insert.group(1)) if n not in listed | {"id"}]
            cols, vals = "".join(f", {n}" for n, _v in extra), "".join(f", {v}" for _n, v in extra)
            where = re.compile(r"\s+FROM\s").search(statement, insert.end()).start()
            statement = (
                f"{statement[: insert.end() - 1]}{cols}){statement[insert.end() : where]}{vals}{statement[where:]}"
            )
        statements.append(statement)
    return statements


EMPTY_BY_TYPE = {
    "boolean": "false",
    "ARRAY": "'{}'",
    "integer": "0",
    "smallint": "0",
    "bigint": "0",
    "jsonb": "'{}'",
    "double precision": "0",
}


def _required_columns(cursor, table: str) -> list[tuple[str, str]]:
    cursor.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = %s AND is_nullable = 'NO' AND column_default IS NULL",
        [table],
    )
    return [(name, EMPTY_BY_TYPE.get(kind, "''")) for name, kind in cursor.fetchall()]


def client_for(dealer):
    from django.test import Client
    from django_tenants.utils import schema_context

    from agents.models import Customer
    from meters.models import Device
    from portal.accounts.models import User

    client = Client(HTTP_HOST=f"{dealer.code}.localhost")
    with schema_context(dealer.schema_name):
        client.force_login(User.objects.get(email=f"admin@{dealer.code}.example"))
        device = Device.objects.order_by("-latest_total").first()
        customer = Customer.objects.order_by("name").first()
    return client, {
        "overview": "/",
        "devices list": "/devices/?sort=-total&page=3",
        "devices list, filtered": "/devices/?toner_below=15&lifecycle=active&sort=toner",
        "device page": f"/devices/{device.public_id}/",
        "customer page": f"/customers/{customer.public_id}/",
        "devices API": "/api/v1/devices/",
    }


def measure(client, url: str, runs: int, cold_every: int = 0) -> list[tuple[bool, float]]:
    """(cold?, ms) per request; every `cold_every`-th request follows a cleared cache (0: none)."""
    from django.core.cache import cache

    times = []
    for run in range(runs):
        cold = bool(cold_every) and run % cold_every == 0
        if cold:
            cache.clear()
        started = time.perf_counter()
        response = client.get(url)
        times.append((cold, (time.perf_counter() - started) * 1000))
        assert response.status_code == 200, (url, response.status_code)
    return times


def summarise(times: list[float]) -> dict[str, Any]:
    """p50 and p95 as percentiles (statistics.quantiles, interpolated between the nearest samples)."""
    cuts = statistics.quantiles(times, n=20)
    return {
        "p50_ms": round(cuts[9], 1),
        "p95_ms": round(cuts[18], 1),
        "max_ms": round(max(times), 1),
        "runs": len(times),
    }


def day_mix(samples: list[tuple[bool, float]]) -> dict[str, Any]:
    """The dealer's day (COLD_EVERY's mix), and its cold and warm requests on their own."""
    return {
        "mixed": summarise([ms for _cold, ms in samples]),
        "cold_only": summarise([ms for cold, ms in samples if cold]),
        "warm_only": summarise([ms for cold, ms in samples if not cold]),
    }


def query_count(client, url: str) -> int:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


SERVER_GC = "gc.freeze() after the warm-up, as deploy/portal/gunicorn.conf.py does once a worker has loaded the app"


def freeze_like_the_server() -> None:
    """The deployed web worker keeps its loaded app out of the collector's full passes (gc.freeze() in
    post_worker_init); the in-process benchmark does the same after its warm-up, so it measures that server."""
    gc.collect()
    gc.freeze()


def run(runs: int) -> dict[str, Any]:
    small, large = make_dealer("benchsmall", 1_000), make_dealer("benchlarge", 10_000)
    small_client, small_urls = client_for(small)
    large_client, large_urls = client_for(large)
    pages: dict[str, Any] = {}
    for url in large_urls.values():
        measure(large_client, url, 3)  # warm-up: connections, template loading
    freeze_like_the_server()
    for name, url in large_urls.items():
        figures = day_mix(measure(large_client, url, runs * COLD_EVERY, cold_every=COLD_EVERY))
        pages[name] = {
            "url": _shown(name, url),
            "queries_1k_devices": query_count(small_client, small_urls[name]),
            "queries_10k_devices": query_count(large_client, url),
            "10k": figures,
            "target_p95_ms": TARGET_P95_MS,
            "met": figures["mixed"]["p95_ms"] <= TARGET_P95_MS,
        }
    cold = pages["overview"]["10k"]["cold_only"]["p95_ms"]
    pages["overview"]["cold_target_p95_ms"] = TARGET_COLD_OVERVIEW_MS
    pages["overview"]["cold_met"] = cold <= TARGET_COLD_OVERVIEW_MS
    return pages


def _shown(name: str, url: str) -> str:
    return {"device page": "/devices/<id>/", "customer page": "/customers/<id>/"}.get(name, url)


def report(pages: dict[str, Any], runs: int) -> dict[str, Any]:
    constant = all(p["queries_1k_devices"] == p["queries_10k_devices"] for p in pages.values())
    worst = max(p["10k"]["mixed"]["p95_ms"] for p in pages.values())
    return {
        "benchmark": "fleet dashboards, Django test client (server time in process)",
        "fleet": {
            "devices": 10_000,
            "meter_reads": 10_000 * READS_PER_DEVICE,
            "customers": 1_000,
            "compared_with": {"devices": 1_000, "meter_reads": 1_000 * READS_PER_DEVICE},
        },
        "p95": "statistics.quantiles(n=20)[18] over every sample of a page (runs cold and runs warm)",
        "server_gc": SERVER_GC,
        "cold_share": f"1 in {COLD_EVERY}",
        "cold_share_why": COLD_SHARE_WHY,
        "target_p95_ms": TARGET_P95_MS,
        "worst_mixed_p95_ms": worst,
        "met": worst <= TARGET_P95_MS and pages["overview"]["cold_met"],
        "overview_cold_p95_ms": pages["overview"]["10k"]["cold_only"]["p95_ms"],
        "overview_cold_target_p95_ms": TARGET_COLD_OVERVIEW_MS,
        "overview_cold_met": pages["overview"]["cold_met"],
        "query_counts_constant": constant,
        "pages": pages,
        "notes": "Cold: the Django cache cleared just before the request (the overview's monthly volume is "
        "cached per dealer and every ingest batch invalidates it); PostgreSQL's buffers stay warm. Pages other "
        "than the overview do not use the cache, so their cold and warm figures differ by noise only.",
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100, help="cold requests per page (as many warm)")
    parser.add_argument("--keep", action="store_true", help="keep the throw-away database")
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/meterbridge")
    url, name = create_database(base)
    try:
        setup_django(url)
        result = report(run(args.runs), args.runs)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(base, name)
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "pages"}, indent=2))
    for page, numbers in result["pages"].items():
        mix = numbers["10k"]
        print(
            f"{page:<24} p95 mixed {mix['mixed']['p95_ms']:>7}  cold {mix['cold_only']['p95_ms']:>7}  warm "
            f"{mix['warm_only']['p95_ms']:>7} ms  queries {numbers['queries_1k_devices']} / "
            f"{numbers['queries_10k_devices']}"
        )
    return 0 if result["query_counts_constant"] else 1


if __name__ == "__main__":
    sys.exit(main())
