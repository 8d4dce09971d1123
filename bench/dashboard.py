"""Benchmark: the fleet dashboards for a dealer with 10,000 devices and 1,000,000 meter reads.

Creates a throw-away database (DATABASE_URL's server, a random name), two dealers in it (1,000 devices /
100,000 reads and 10,000 devices / 1,000,000 reads, generated with INSERT ... SELECT generate_series),
then times the overview, the devices list and a device page through the Django test client (server time,
in process) and counts their SQL queries for both fleet sizes: the counts must be equal.
Writes bench/results/dashboard.json. Usage: .venv/bin/python bench/dashboard.py [--runs 40] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULT = ROOT / "bench" / "results" / "dashboard.json"
TARGET_P95_MS = 150
READS_PER_DEVICE = 100
DEVICES_PER_CUSTOMER = 10
PASSWORD = "a long bench password 42"


def create_database(url: str) -> tuple[str, str]:
    """A fresh database on the server of `url`; returns (its URL, its name)."""
    import dj_database_url
    import psycopg

    conf = dj_database_url.parse(url)
    name = f"mb_bench_dash_{uuid.uuid4().hex[:8]}"
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
    parts = {"host": conf.get("HOST"), "port": conf.get("PORT"), "user": conf.get("USER"),
             "password": conf.get("PASSWORD"), "dbname": dbname}  # fmt: skip
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
    scan_rate_limit, snmp_port, needs_confirmation, created_at{site_extra_cols})
SELECT gen_random_uuid(), id, 'Head office', '', (ARRAY['Europe/Berlin','America/Chicago','Asia/Tokyo'])[id %% 3 + 1],
    '', '', 0, 161, false, now(){site_extra_vals}
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
SELECT dev.id, now() - (%(reads)s - k) * interval '3 days 15 hours' - (dev.id %% 24) * interval '1 hour',
    1000 * dev.id %% 50000 + k * (300 + dev.id %% 200) + k * (dev.id %% 3) * 40,
    1000 * dev.id %% 50000 + k * (300 + dev.id %% 200),
    CASE WHEN dev.id %% 3 = 0 THEN NULL ELSE k * (dev.id %% 3) * 40 END,
    '{}'::jsonb, '{}'::jsonb,
    jsonb_build_object('1.3.6.1.2.1.43.11.1.1.9.1.1', greatest(0, 100 - (k * (1 + dev.id %% 4)) %% 101)),
    false
FROM meters_device dev, generate_series(1, %(reads)s) k;

-- The monthly rollup the ingest keeps (meters/services/rollups.py), built here in one go.
INSERT INTO meters_metermonth (device_id, month, min_total, max_total, min_mono, max_mono, min_color, max_color)
SELECT device_id, date_trunc('month', read_at AT TIME ZONE 'UTC')::date,
       min(total), max(total), min(mono), max(mono), min(color), max(color)
FROM meters_meterread WHERE NOT is_flagged GROUP BY 1, 2;

UPDATE meters_device dev SET latest_total = r.total, latest_mono = r.mono, latest_color = r.color,
    lowest_supply_percent = (r.supply_levels ->> '1.3.6.1.2.1.43.11.1.1.9.1.1')::float
FROM (SELECT DISTINCT ON (device_id) * FROM meters_meterread ORDER BY device_id, read_at DESC) r
WHERE r.device_id = dev.id;

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


def make_dealer(code: str, devices: int) -> Any:
    from django.db import connection
    from django_tenants.utils import schema_context

    from portal.dealers.services import dealer_create

    dealer = dealer_create(code=code, name=f"Bench {code}", admin_email=f"admin@{code}.example",
                           admin_password=PASSWORD)  # fmt: skip
    started = time.perf_counter()
    params = {"customers": max(1, devices // DEVICES_PER_CUSTOMER), "devices": devices,
              "per_customer": DEVICES_PER_CUSTOMER, "reads": READS_PER_DEVICE}  # fmt: skip
    with schema_context(dealer.schema_name), connection.cursor() as cursor:
        for statement in _fleet_sql(cursor).split(";\n\n"):
            cursor.execute(statement, params)
        cursor.execute("ANALYZE")
    print(f"{code}: {devices:,} devices, {devices * READS_PER_DEVICE:,} reads in {time.perf_counter() - started:.1f}s")
    return dealer


def _fleet_sql(cursor) -> str:
    """Columns added to sites by later migrations (schedules) get their defaults here, whatever they are."""
    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = 'agents_site' AND is_nullable = 'NO' AND column_default IS NULL"
    )
    known = {"id", "public_id", "customer_id", "name", "address", "time_zone", "scan_targets", "scan_exclusions",
             "scan_rate_limit", "snmp_port", "needs_confirmation", "created_at"}  # fmt: skip
    extra = [row[0] for row in cursor.fetchall() if row[0] not in known]
    cols = "".join(f", {name}" for name in extra)
    vals = "".join(", '{}'" for _ in extra)  # array columns (e.g. discovery_weekdays) default to empty
    return FLEET_SQL.replace("{site_extra_cols}", cols).replace("{site_extra_vals}", vals)


def client_for(dealer):
    from django.test import Client
    from django_tenants.utils import schema_context

    from meters.models import Device
    from portal.accounts.models import User

    client = Client(HTTP_HOST=f"{dealer.code}.localhost")
    with schema_context(dealer.schema_name):
        client.force_login(User.objects.get(email=f"admin@{dealer.code}.example"))
        device = Device.objects.order_by("-latest_total").first()
    return client, {"overview": "/", "devices list": "/devices/?sort=-total&page=3",
                    "devices list, filtered": "/devices/?toner_below=15&lifecycle=active&sort=toner",
                    "device page": f"/devices/{device.public_id}/"}  # fmt: skip


def measure(client, url: str, runs: int, cold_cache: bool = False) -> dict[str, float]:
    from django.core.cache import cache

    times = []
    for _ in range(runs):
        if cold_cache:
            cache.clear()
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
            "max_ms": round(times[-1], 1), "runs": runs}  # fmt: skip


def query_count(client, url: str) -> int:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def run(runs: int) -> dict[str, Any]:
    small, large = make_dealer("benchsmall", 1_000), make_dealer("benchlarge", 10_000)
    small_client, small_urls = client_for(small)
    large_client, large_urls = client_for(large)
    pages: dict[str, Any] = {}
    for name, url in large_urls.items():
        measure(large_client, url, 3)  # warm-up: connections, template loading
        pages[name] = {"url": "/devices/<id>/" if name == "device page" else url,
                       "queries_1k_devices": query_count(small_client, small_urls[name]),
                       "queries_10k_devices": query_count(large_client, url),
                       "10k": measure(large_client, url, runs)}  # fmt: skip
    pages["overview"]["10k_volume_uncached"] = measure(large_client, "/", max(5, runs // 4), cold_cache=True)
    return pages


def report(pages: dict[str, Any], runs: int) -> dict[str, Any]:
    constant = all(p["queries_1k_devices"] == p["queries_10k_devices"] for p in pages.values())
    worst = max(p["10k"]["p95_ms"] for p in pages.values())
    return {
        "benchmark": "fleet dashboards, Django test client (server time in process)",
        "fleet": {
            "devices": 10_000,
            "meter_reads": 10_000 * READS_PER_DEVICE,
            "customers": 1_000,
            "compared_with": {"devices": 1_000, "meter_reads": 1_000 * READS_PER_DEVICE},
        },
        "target_p95_ms": TARGET_P95_MS,
        "worst_p95_ms": worst,
        "meets_target": worst <= TARGET_P95_MS,
        "query_counts_constant": constant,
        "pages": pages,
        "notes": "The overview's monthly volume comes from per-device monthly rollups kept at ingest (MeterMonth) "
        "and is cached per dealer until new pages are counted (at most 10 minutes); 10k_volume_uncached times it "
        "with the cache cleared "
        "before every request.",
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
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
        print(f"{page:<24} p50 {numbers['10k']['p50_ms']:>7} ms  p95 {numbers['10k']['p95_ms']:>7} ms  "
              f"queries {numbers['queries_1k_devices']} / {numbers['queries_10k_devices']}")  # fmt: skip
    return 0 if result["query_counts_constant"] else 1


if __name__ == "__main__":
    sys.exit(main())
