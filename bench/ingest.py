"""Ingest benchmark: device reads per second from upload to interpreted rows, beside COPY of the same rows.

    .venv/bin/python bench/ingest.py        (DATABASE_URL: any database on the server; a throw-away one is made)

A dealer's site gets DEVICES printers (full recordings from ../shared/snmprec, each with its own serial).
ROUNDS rounds of reads are then uploaded through the real agent API view (gzip JSON, Idempotency-Key),
one directive result per round carrying every device, as a site's agent sends them, and interpreted by the
real ingest service: the first round reads every device in full, the later ones send only what changed.
The steady state is a realistic mix, as a fleet's reads through a day are: every device's counters move, a
quarter of them also report a lower toner level, and a few (1 in 33) change status (a warning raised or
cleared, with its error-state bits). The counters-only rounds (every device down the fast path) are measured
after it, beside it under their own name: they are the best case, not the rule.

Devices are distinct: each has its own serial, MAC and counters, so the fleet upload's compression is what a
real site's is. The baselines, in the same run: PostgreSQL COPY of as many meter-read rows as the device reads
into a temporary table of the meter reads' shape without indexes, and into a copy of the meter-read table with
its indexes (the physical floor for storing these rows). Also measured: the compressed upload size per device
for a first read and for a steady-state read, in the fleet's upload and for a device uploaded alone.
"""

import functools
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
from portal.queues import queues_arg  # noqa: E402

DEVICES = int(os.environ.get("BENCH_DEVICES", "1000"))
MIX_ROUNDS = int(os.environ.get("BENCH_MIX_ROUNDS", "6"))  # after the first read: the realistic steady mix
COUNTER_ROUNDS = int(os.environ.get("BENCH_COUNTER_ROUNDS", "3"))  # then counters only (the best case)
RECORDINGS = ["konica_c250i", "ricoh_mpc3002", "fujifilmprinter_c7580", "sharp", "dell-laser_s5830dn"]
DB_NAME = f"bench_ingest_{os.getpid()}"
SERIAL = "1.3.6.1.2.1.43.5.1.1.17.1"
LIFE_COUNT_PREFIX = "1.3.6.1.2.1.43.10.2.1.4."
MAC_PREFIX = "1.3.6.1.2.1.2.2.1.6."
SUPPLY_LEVEL_PREFIX = "1.3.6.1.2.1.43.11.1.1.9.1."
DEVICE_STATUS = "1.3.6.1.2.1.25.3.2.1.5.1"  # hrDeviceStatus: running(2), warning(3)
ERROR_STATE = "1.3.6.1.2.1.25.3.5.1.2.1"  # hrPrinterDetectedErrorState: first octet 0x40 = lowToner
TONER_SHARE, STATUS_EVERY = 4, 33  # a quarter of the devices report lower toner a round; 1 in 33 change status
LAST_MIX_ROUND = 1 + MIX_ROUNDS  # round 1 is the first read; the mix rounds follow, then the counters-only ones


def admin_url() -> str:
    import dj_database_url

    parsed = dj_database_url.parse(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    return f"postgres://{parsed['USER']}@{parsed['HOST']}:{parsed['PORT']}"


def setup_django() -> None:
    import psycopg

    with psycopg.connect(f"{admin_url()}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    os.environ.update(
        DATABASE_URL=f"{admin_url()}/{DB_NAME}",
        DJANGO_SETTINGS_MODULE="portal.settings.local",
        DJANGO_DEBUG="false",
        MB_CELERY_QUEUE=f"bench-{os.getpid()}",
    )
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
    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(*queues_arg(settings.CELERY_QUEUE_PREFIX).split(","))


def recorded_serial(varbinds: list[list]) -> str:
    return next(str(v) for o, _, v in varbinds if o == SERIAL)


def with_serial(varbinds: list[list], serial: str) -> list[list]:
    """The recording's answer with another serial, wherever the device states it (Printer-MIB or vendor OIDs)."""
    original = recorded_serial(varbinds)
    return [[o, "str", serial] if v == original else [o, t, v] for o, t, v in varbinds]


def distinct(varbinds: list[list], index: int) -> list[list]:
    """The recording as device `index`: its own serial, MAC and counters (not 200 identical copies)."""
    mac = f"0217{index:08x}"
    own = [[o, t, mac] if o.startswith(MAC_PREFIX) and t == "hex" else [o, t, v] for o, t, v in varbinds]
    return advanced(with_serial(own, f"BENCH{index:06d}"), 7919 * index)


def device_varbinds(index: int, plan_reads: dict[str, list]) -> list[list]:
    return distinct(plan_reads[RECORDINGS[index % len(RECORDINGS)]], index)


def is_counter(oid: str, kind: str, value) -> bool:
    return kind in ("counter32", "counter64") or (oid.startswith(LIFE_COUNT_PREFIX) and isinstance(value, int))


def advanced(varbinds: list[list], pages: int) -> list[list]:
    """The same device later: every page counter moved on (the Printer-MIB's and the vendor's)."""
    return [[o, t, v + pages] if is_counter(o, t, v) else [o, t, v] for o, t, v in varbinds]


def toner_used(varbinds: list[list], percent_points: int) -> list[list]:
    """Supply levels a little lower (levels the device states; -2/-3 'unknown/some left' stay)."""
    return [
        [o, t, max(0, v - percent_points)]
        if o.startswith(SUPPLY_LEVEL_PREFIX) and isinstance(v, int) and v > 0
        else [o, t, v]
        for o, t, v in varbinds
    ]


def status_changed(varbinds: list[list], warning: bool) -> list[list]:
    """A warning raised (device status warning, lowToner bit) or cleared again."""
    status, error = (3, "4000") if warning else (2, "0000")
    changed = [
        [o, t, status] if o == DEVICE_STATUS else [o, "hex", error] if o == ERROR_STATE else [o, t, v]
        for o, t, v in varbinds
    ]
    return changed


def printed(index: int, round_no: int) -> int:
    """Pages device `index` printed by round `round_no`: 1 to 10 a round, each device at its own pace (not the
    same number everywhere, which a fleet's upload would compress as no real fleet's does)."""
    return sum(1 + (index * 7 + n * 3) % 10 for n in range(1, round_no + 1))


def steady_read(varbinds: list[list], index: int, round_no: int, mix: bool) -> list[list]:
    """Device `index` in round `round_no`: counters always; in the mix also toner and status for some. Toner
    only goes down: a quarter of the devices report 2 points less each mix round, the others what they reported
    last (a level that went back up every other round would be a toner refilled, not a fleet's day)."""
    read = advanced(varbinds, printed(index, round_no))
    used = 2 * sum(1 for n in range(2, min(round_no, LAST_MIX_ROUND) + 1) if (index + n) % TONER_SHARE == 0)
    if used:
        read = toner_used(read, used)
    if mix and (index * 7 + round_no) % STATUS_EVERY == 0:
        read = status_changed(read, warning=round_no % 2 == 1)
    return read


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
        entries = [
            {"ip": f"10.{i // 250}.{i % 250}.1", "is_printer": True, "varbinds": device_varbinds(i, identity)}
            for i in range(DEVICES)
        ]
        result_interpret(result=store_result(agent, "discover", {"devices": entries}))
        plans = {}
        for device in Device.objects.filter(site=site):
            _, high, low, _ = device.ip.split(".")
            index = int(high) * 250 + int(low)
            name = RECORDINGS[index % len(RECORDINGS)]
            plan = device_plan(device)
            full = read_with_plan(load_recording(name), plan.get, plan.walk)
            plans[str(device.public_id)] = (index, distinct(full, index))
        return plans


def upload_and_interpret(dealer, site, token, plans, round_no: int, deltas, mix: bool) -> tuple[float, int, float]:
    """One round: a read directive, its upload through the agent API (changes only once a base is acknowledged,
    as the agent sends it), its interpretation. Returns (seconds, upload bytes, mean bytes of a device alone)."""
    from django.test import Client
    from django_tenants.utils import tenant_context

    from agents.models import DirectiveResult
    from agents.services.directives import directive_request, directives_lease
    from meters.services.ingest import result_interpret
    from portal.lib.collector import collector_paused

    with tenant_context(dealer):
        from agents.models import Agent

        directive = directive_request(site=site, kind="read", params={"devices": []})
        directives_lease(agent=Agent.objects.get(site=site))
    # Rounds are seconds apart: 10 pages a round at most is what any printer can print in the minute the jump check
    # allows at least; more would be held as implausible jumps (at the devices' rated speeds), not ingested.
    devices = [
        {"device_id": device_id, "ok": True, "varbinds": steady_read(varbinds, index, round_no, mix)}
        for device_id, (index, varbinds) in plans.items()
    ]
    full = {"kind": "read", "devices": devices}
    sent = deltas.encode("read", full)
    body = gzip.compress(json.dumps(sent, separators=(",", ":")).encode())
    alone = statistics.mean(len(gzip.compress(json.dumps(e, separators=(",", ":")).encode())) for e in sent["devices"])
    started = time.perf_counter()
    response = Client(HTTP_HOST="127.0.0.1").post(
        f"/agent/v1/directives/{directive.public_id}/result",
        body,
        content_type="application/json",
        HTTP_CONTENT_ENCODING="gzip",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert response.status_code == 200, response.content
    # Loaded and interpreted with the collector paused, as the worker's result_run does (portal.lib.collector):
    # the payload's objects would otherwise set off full collections over this process's agent-side data too.
    with tenant_context(dealer), collector_paused():
        result_interpret(
            result=DirectiveResult.objects.select_related("directive__site").get(public_id=response.json()["result_id"])
        )
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
        run = functools.partial(upload_and_interpret, dealer, site, token, plans, deltas=deltas)
        first = run(1, mix=True)
        mix = [run(n, mix=True) for n in range(2, 2 + MIX_ROUNDS)]
        counters = [run(n, mix=False) for n in range(2 + MIX_ROUNDS, 2 + MIX_ROUNDS + COUNTER_ROUNDS)]
        rows = written_rows(dealer)
        with tenant_context(dealer):  # the indexed baseline copies the dealer's meter-read table
            indexed = copy_baseline_indexed(DEVICES * MIX_ROUNDS)
            report(first, mix, counters, rows, copy_baseline(DEVICES * MIX_ROUNDS), indexed)
    finally:
        drop_database()


Round = tuple[float, int, float]  # seconds, upload bytes, mean bytes of a device uploaded alone


def rate(rounds: list[Round]) -> float:
    return DEVICES * len(rounds) / sum(seconds for seconds, _, _ in rounds)


def report(first: Round, mix: list[Round], counters: list[Round], rows: int, copy_s: float, indexed_s: float):
    mix_reads = DEVICES * len(mix)
    mix_rate, indexed_rate = rate(mix), mix_reads / indexed_s  # COPY of the mix's meter-read rows, as reads/s
    result = {
        "devices": DEVICES,
        "distinct_devices": True,
        "steady_mix": {
            "pages_a_round": "1 to 10, each device at its own pace",
            "toner_changes_on": f"1 in {TONER_SHARE} devices a round (2 points lower; never back up)",
            "status_changes_on": f"1 in {STATUS_EVERY} devices a round",
            "rounds": len(mix),
        },
        "seconds_per_round": {
            "first_read": round(first[0], 3),
            "steady_mix": [round(r[0], 3) for r in mix],
            "counters_only": [round(r[0], 3) for r in counters],
        },
        "first_read_device_reads_per_second": round(rate([first]), 1),
        "target_first_read": 1000,
        "steady_mix_device_reads_per_second": round(mix_rate, 1),
        "target_steady_mix": 2500,
        "best_case_counters_only_device_reads_per_second": round(rate(counters), 1),
        "rows_written_in_all": rows,
        "copy_into_indexed_meter_read_table_device_reads_per_second": round(indexed_rate, 1),
        "ratio_steady_mix_to_indexed_copy": round(mix_rate / indexed_rate, 4),
        "target_ratio": 0.25,
        "copy_without_indexes_device_reads_per_second": round(mix_reads / copy_s, 1),
        "first_read_bytes_per_device_alone": round(first[2], 1),
        "first_read_bytes_per_device_in_fleet_upload": round(first[1] / DEVICES, 1),
        "target_bytes_first_read": 1024,
        "steady_mix_bytes_per_device_alone": round(statistics.mean(r[2] for r in mix), 1),
        "steady_mix_bytes_per_device_in_fleet_upload": round(statistics.mean(r[1] for r in mix) / DEVICES, 1),
        "counters_only_bytes_per_device_alone": round(statistics.mean(r[2] for r in counters), 1),
        "target_bytes_steady_alone": 100,
        "machine": f"{os.cpu_count()} cores",
        "load_average_1min_at_end": round(os.getloadavg()[0], 2),  # other work on the machine slows every figure
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    result["met"] = verdicts(result)
    out = ROOT / "bench" / "results" / "ingest.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


def verdicts(result: dict) -> dict[str, bool]:
    """Each target beside whether this run met it."""
    return {
        "first_read_device_reads_per_second >= 1000": result["first_read_device_reads_per_second"] >= 1000,
        "steady_mix_device_reads_per_second >= 2500": result["steady_mix_device_reads_per_second"] >= 2500,
        "ratio_steady_mix_to_indexed_copy >= 0.25": result["ratio_steady_mix_to_indexed_copy"] >= 0.25,
        "first_read_bytes_per_device_alone <= 1024": result["first_read_bytes_per_device_alone"] <= 1024,
        "steady_mix_bytes_per_device_alone <= 100": result["steady_mix_bytes_per_device_alone"] <= 100,
    }


if __name__ == "__main__":
    main()
