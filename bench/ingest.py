"""Ingest benchmark: device reads per second from upload to interpreted rows, beside COPY of the same rows.

    .venv/bin/python bench/ingest.py        (DATABASE_URL: any database on the server; a throw-away one is made)

A dealer's site gets DEVICES printers (full recordings from ../shared/snmprec, each with its own serial).
ROUNDS rounds of reads are then uploaded through the real agent API view (gzip JSON, Idempotency-Key),
one directive result per round carrying every device, as a site's agent sends them, and interpreted by the
real ingest service: the first round reads every device in full, the later ones send only what changed
(mostly counters, as a printer's reads do). The baselines, in the same run: PostgreSQL COPY of as many rows
as the ingest wrote (meter reads, supplies, rollups, alerts) into a temporary table of the meter reads' shape
without indexes, and into a copy of the meter-read table with its indexes. Also measured: the
compressed upload size per device for a first read and for a steady-state read (only what changed since the
last acknowledged read).
"""

import gzip
import json
import os
import sqlite3
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from agent_client.delta import DeltaEncoder  # noqa: E402 - the agent's own encoder, as it sends

DEVICES = int(os.environ.get("BENCH_DEVICES", "1000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "6"))  # a first read, then steady-state reads
RECORDINGS = ["konica_c250i", "ricoh_mpc3002", "fujifilmprinter_c7580", "sharp", "dell-laser_s5830dn"]
DB_NAME = f"bench_ingest_{os.getpid()}"
SERIAL = "1.3.6.1.2.1.43.5.1.1.17.1"
LIFE_COUNT_PREFIX = "1.3.6.1.2.1.43.10.2.1.4."


def admin_url() -> str:
    import dj_database_url

    parsed = dj_database_url.parse(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    return f"postgres://{parsed['USER']}@{parsed['HOST']}:{parsed['PORT']}"


def setup_django() -> None:
    import psycopg

    with psycopg.connect(f"{admin_url()}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    os.environ.update(DATABASE_URL=f"{admin_url()}/{DB_NAME}", DJANGO_SETTINGS_MODULE="portal.settings.local",
                      DJANGO_DEBUG="false", MB_CELERY_QUEUE=f"bench-{os.getpid()}")  # fmt: skip
    import django

    django.setup()


def drop_database() -> None:
    import psycopg
    import redis
    from django.conf import settings
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{admin_url()}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(settings.CELERY_TASK_DEFAULT_QUEUE)


def recorded_serial(varbinds: list[list]) -> str:
    return next(str(v) for o, _, v in varbinds if o == SERIAL)


def with_serial(varbinds: list[list], serial: str) -> list[list]:
    """The recording's answer with another serial, wherever the device states it (Printer-MIB or vendor OIDs)."""
    original = recorded_serial(varbinds)
    return [[o, "str", serial] if v == original else [o, t, v] for o, t, v in varbinds]


def device_varbinds(index: int, plan_reads: dict[str, list]) -> list[list]:
    return with_serial(plan_reads[RECORDINGS[index % len(RECORDINGS)]], f"BENCH{index:06d}")


def advanced(varbinds: list[list], pages: int) -> list[list]:
    """The same device later: every page counter moved on (the Printer-MIB's and the vendor's)."""
    return [[o, t, v + pages] if t in ("counter32", "counter64") or (o.startswith(LIFE_COUNT_PREFIX) and
            isinstance(v, int)) else [o, t, v] for o, t, v in varbinds]  # fmt: skip


def prepare():
    from django.core.management import call_command
    from django_tenants.utils import tenant_context

    from agents.services.enrolment import agent_enroll
    from agents.services.keys import license_key_generate
    from portal.dealers.services import dealer_create
    from tests.support.factories import make_site

    call_command("migrate_schemas", "--shared", verbosity=0)
    dealer = dealer_create(code="bench", name="Bench", admin_email="a@bench.example", admin_password="bench password 1")
    with tenant_context(dealer):
        site = make_site(customer_name="Bench")
        _key, text = license_key_generate(site=site)
        token = agent_enroll(license_key=text, hostname="bench").token
    return dealer, site, token


def discover_fleet(dealer, site) -> dict[str, list]:
    """Discovery for every device (not timed); returns device id -> the varbinds its plan reads."""
    from django_tenants.utils import tenant_context

    from meters.interpret import DISCOVERY_OIDS
    from meters.models import Device
    from meters.services.plans import device_plan
    from tests.meters.ingest_support import store_result
    from tests.support.snmprec import load_recording, read_with_plan

    with tenant_context(dealer):
        from agents.models import Agent
        from meters.services.ingest import result_interpret

        agent = Agent.objects.get(site=site)
        identity = {n: read_with_plan(load_recording(n), list(DISCOVERY_OIDS), []) for n in RECORDINGS}
        entries = [{"ip": f"10.{i // 250}.{i % 250}.1", "is_printer": True, "varbinds": device_varbinds(i, identity)}
                   for i in range(DEVICES)]  # fmt: skip
        result_interpret(result=store_result(agent, "discover", {"devices": entries}))
        plans = {}
        for device in Device.objects.filter(site=site):
            _, high, low, _ = device.ip.split(".")
            index = int(high) * 250 + int(low)
            name = RECORDINGS[index % len(RECORDINGS)]
            plan = device_plan(device)
            full = read_with_plan(load_recording(name), plan.get, plan.walk)
            plans[str(device.public_id)] = with_serial(full, f"BENCH{index:06d}")
        return plans


def upload_and_interpret(dealer, site, token, plans, round_no: int, deltas) -> tuple[float, int, float]:
    """One round: a read directive, its upload through the agent API (changes only once a base is acknowledged,
    as the agent sends it), its interpretation. Returns (seconds, upload bytes, mean bytes of a device alone)."""
    from django.test import Client
    from django_tenants.utils import tenant_context

    from agents.models import DirectiveResult
    from agents.services.directives import directive_request, directives_lease
    from meters.services.ingest import result_interpret

    with tenant_context(dealer):
        from agents.models import Agent

        directive = directive_request(site=site, kind="read", params={"devices": []})
        directives_lease(agent=Agent.objects.get(site=site))
    # Rounds are seconds apart: 10 pages a round is what any printer can print in the minute the jump check
    # allows at least; more would be held as implausible jumps (at the devices' rated speeds), not ingested.
    devices = [{"device_id": device_id, "ok": True, "varbinds": advanced(varbinds, 10 * round_no)}
               for device_id, varbinds in plans.items()]  # fmt: skip
    full = {"kind": "read", "devices": devices}
    sent = deltas.encode("read", full)
    body = gzip.compress(json.dumps(sent, separators=(",", ":")).encode())
    alone = statistics.mean(len(gzip.compress(json.dumps(e, separators=(",", ":")).encode())) for e in sent["devices"])
    started = time.perf_counter()
    response = Client(HTTP_HOST="127.0.0.1").post(
        f"/agent/v1/directives/{directive.public_id}/result", body, content_type="application/json",
        HTTP_CONTENT_ENCODING="gzip", HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )  # fmt: skip
    assert response.status_code == 200, response.content
    with tenant_context(dealer):
        result_interpret(result=DirectiveResult.objects.select_related("directive__site").get(
            public_id=response.json()["result_id"]))  # fmt: skip
    elapsed = time.perf_counter() - started
    deltas.remember("read", full, response.json()["result_id"])
    return elapsed, len(body), alone


def copy_baseline(rows: int) -> float:
    """COPY `rows` rows shaped like meter reads into a fresh temporary table without indexes; seconds."""
    line = '1\t2026-11-21 10:00:00+00\t123456\t100000\t23456\t{"total": 123456, "mono": 100000}\t{"total": "1.3.6.1"}\n'
    columns = (
        "device_id bigint, read_at timestamptz, total bigint, mono bigint, color bigint, values jsonb, sources jsonb"
    )
    return _timed_copy(f"CREATE TEMP TABLE copy_bench ({columns})", "copy_bench", line * rows)


def copy_baseline_indexed(rows: int) -> float:
    """COPY `rows` meter reads into a temporary copy of the meter-read table, with its indexes and unique
    constraint (its foreign keys are left out, as COPY into a copy cannot have them); seconds."""
    lines = "".join(
        f'{n}\t\\N\t2026-11-21 10:00:00+00\t123456\t100000\t23456\t{{"total": 123456, "mono": 100000}}\t'
        f'{{"total": "1.3.6.1.2.1.43.10.2.1.4.1.1"}}\t{{"1.3.6.1.2.1.43.11.1.1.9.1.1": 40.0}}\tf\n'
        for n in range(1, rows + 1)
    )
    create = "CREATE TEMP TABLE copy_bench (LIKE meters_meterread INCLUDING ALL)"
    columns = "device_id, result_id, read_at, total, mono, color, values, sources, supply_levels, is_flagged"
    return _timed_copy(create, f"copy_bench ({columns})", lines)


def _timed_copy(create: str, target: str, data: str) -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(create)
        started = time.perf_counter()
        with cursor.connection.cursor().copy(f"COPY {target} FROM STDIN") as copy:
            copy.write(data)
        elapsed = time.perf_counter() - started
        cursor.execute("DROP TABLE copy_bench")
    return elapsed


def written_rows(dealer) -> int:
    """Rows the ingest produced: meter reads, supplies (a changed level is rewritten), monthly rollups, alerts."""
    from django_tenants.utils import tenant_context

    from meters.models import Alert, MeterMonth, MeterRead, Supply

    with tenant_context(dealer):
        return sum(model.objects.count() for model in (MeterRead, Supply, MeterMonth, Alert))


def main() -> None:
    setup_django()
    from django_tenants.utils import tenant_context

    try:
        dealer, site, token = prepare()
        plans = discover_fleet(dealer, site)
        deltas = DeltaEncoder(sqlite3.connect(":memory:"))
        rounds = [upload_and_interpret(dealer, site, token, plans, n, deltas) for n in range(1, ROUNDS + 1)]
        rows = written_rows(dealer)
        with tenant_context(dealer):  # the indexed baseline copies the dealer's meter-read table
            report(rounds, rows, copy_baseline(rows), copy_baseline_indexed(rows))
    finally:
        drop_database()


def report(rounds: list[tuple[float, int, float]], rows: int, copy_seconds: float, indexed_seconds: float) -> None:
    timings = [seconds for seconds, _, _ in rounds]
    reads = DEVICES * len(timings)
    ingest_rate = reads / sum(timings)
    first_rate, steady_rate = DEVICES / timings[0], DEVICES * (len(timings) - 1) / sum(timings[1:])
    # A COPY of the rows the ingest wrote, as device reads per second: reads / the COPY's seconds.
    copy_rate, indexed_rate = reads / copy_seconds, reads / indexed_seconds
    result = {
        "devices": DEVICES, "rounds": len(timings), "device_reads": reads,
        "ingest_seconds_per_round": [round(t, 3) for t in timings],
        "ingest_device_reads_per_second": round(ingest_rate, 1),
        "first_read_device_reads_per_second": round(first_rate, 1),
        "steady_state_device_reads_per_second": round(steady_rate, 1),
        "rows_written": rows, "rows_per_device_read": round(rows / reads, 2),
        "copy_seconds_same_rows": round(copy_seconds, 4),
        "copy_device_reads_per_second_equivalent": round(copy_rate, 1),
        "ratio_ingest_to_copy": round(ingest_rate / copy_rate, 4), "target_ratio": 0.25,
        "ratio_steady_state_to_copy": round(steady_rate / copy_rate, 4),
        "copy_into_indexed_meter_read_table_seconds": round(indexed_seconds, 4),
        "ratio_ingest_to_indexed_copy": round(ingest_rate / indexed_rate, 4),
        "ratio_steady_state_to_indexed_copy": round(steady_rate / indexed_rate, 4),
        "first_read_bytes_per_device_alone": round(rounds[0][2], 1),
        "first_read_bytes_per_device_in_fleet_upload": round(rounds[0][1] / DEVICES, 1),
        "target_bytes_first_read": 1024,
        "steady_state_bytes_per_device_alone": round(statistics.mean(r[2] for r in rounds[1:]), 1),
        "steady_state_bytes_per_device_in_fleet_upload": round(statistics.mean(r[1] for r in rounds[1:]) / DEVICES, 1),
        "target_bytes_steady_state": 100,
        "machine": f"{os.cpu_count()} cores",
    }  # fmt: skip
    result["met"] = verdicts(result)
    out = ROOT / "bench" / "results" / "ingest.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


def verdicts(result: dict) -> dict[str, bool]:
    """Each target beside whether this run met it."""
    return {
        "ratio_ingest_to_copy >= target_ratio": result["ratio_ingest_to_copy"] >= result["target_ratio"],
        "first_read_bytes_per_device_alone <= target_bytes_first_read": (
            result["first_read_bytes_per_device_alone"] <= result["target_bytes_first_read"]
        ),
        "steady_state_bytes_per_device_alone <= target_bytes_steady_state": (
            result["steady_state_bytes_per_device_alone"] <= result["target_bytes_steady_state"]
        ),
    }


if __name__ == "__main__":
    main()
