"""Meter history partitioned by month (migration 0009, meters.services.partitions): every read in its month's
partition or, when its month has none yet, in DEFAULT until the month is created; old months detached for
archiving while the rest of the history, the device pages and the billing export carry on."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from meters.models import Device, MeterFlag, MeterRead
from meters.services.flags import flag_accept
from meters.services.partitions import (
    DEFAULT_PARTITION,
    month_add,
    partition_create,
    partition_name,
    partitions_detach,
    partitions_ensure,
)
from meters.tasks import ensure_meter_partitions
from tests.meters.ingest_support import LIFE_COUNT, discover, new_agent, read, set_value
from tests.support.factories import make_site, unique
from tests.support.personas import api_client_for, client_for, in_schema


def this_month() -> date:
    return timezone.now().astimezone(UTC).date().replace(day=1)


def mid_month(month: date, hour: int = 12) -> datetime:
    return datetime(month.year, month.month, 15, hour, tzinfo=UTC)


def partition_holding(read: MeterRead) -> str:
    """The table the row is stored in (its tableoid)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT r.tableoid::regclass::text FROM meters_meterread r WHERE r.id = %s", [read.pk])
        return cursor.fetchone()[0]


def attached_partitions() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = 'meters_meterread'::regclass"
        )
        return {row[0] for row in cursor.fetchall()}


def rows_in(table: str, device: Device | None = None) -> int:
    with connection.cursor() as cursor:
        which = [device.pk if device else None] * 2
        cursor.execute(f"SELECT count(*) FROM {table} WHERE %s::bigint IS NULL OR device_id = %s", which)  # noqa: S608
        return cursor.fetchone()[0]


def history(acme, device: Device) -> list[dict]:
    response = api_client_for(acme, acme.viewer).get(f"/api/v1/devices/{device.public_id}/meters/")
    assert response.status_code == 200, response.status_code
    return response.json()["results"]


def test_a_read_lands_in_its_months_partition(acme):
    agent = new_agent()
    device = discover(agent, "konica_c250i", "10.61.0.1")
    read(agent, device, "konica_c250i")
    meter_read = device.reads.get()
    month = meter_read.read_at.astimezone(UTC).date().replace(day=1)
    assert partition_holding(meter_read) == partition_name(month)
    assert partition_name(month) in attached_partitions() and DEFAULT_PARTITION in attached_partitions()


def test_the_months_ahead_exist_from_the_dealers_creation(acme, beta):
    ahead = {partition_name(month_add(this_month(), n)) for n in range(4)}
    assert ahead <= attached_partitions()
    with in_schema(beta):
        assert ahead <= attached_partitions()


def test_a_read_of_a_month_without_partition_waits_in_default_and_moves_into_its_month(acme):
    agent = new_agent()
    device = discover(agent, "konica_c250i", "10.61.0.2")
    offline_month = month_add(this_month(), -6)  # an agent that uploads what it read while offline, long after
    assert partition_name(offline_month) not in attached_partitions()
    read(agent, device, "konica_c250i", at=mid_month(offline_month), edit=set_value(LIFE_COUNT, 41_000))
    late = device.reads.get()
    assert partition_holding(late) == DEFAULT_PARTITION

    assert partition_name(offline_month) in partitions_ensure()
    assert partition_holding(late) == partition_name(offline_month)
    assert rows_in(DEFAULT_PARTITION) == 0 and device.reads.count() == 1
    assert [(datetime.fromisoformat(r["read_at"]), r["values"]["total"]) for r in history(acme, device)] == [
        (late.read_at, 41_000)
    ]
    page = client_for(acme, acme.viewer).get(f"/devices/{device.public_id}/").content.decode()
    assert f'datetime="{late.read_at.isoformat()}"' in page and "41,000" in page


def test_ensure_twice_creates_nothing_more(acme):
    partitions_ensure()
    assert partitions_ensure() == []


def test_a_detached_month_keeps_its_rows_and_later_months_still_bill(acme):
    site = make_site(customer_name="Contoso Archive", time_zone="UTC")
    device = monitored_device(site)
    old, before_last, last = month_add(this_month(), -14), month_add(this_month(), -2), month_add(this_month(), -1)
    for at, total in (
        (mid_month(old, 8), 1_000),
        (mid_month(old, 9), 1_500),
        (mid_month(before_last), 20_000),
        (mid_month(last), 20_700),
    ):
        add_read(device, at, total)
    partition_create(month=old)

    assert partitions_detach(before=before_last) == [partition_name(old)]
    assert partition_name(old) not in attached_partitions()
    assert rows_in(partition_name(old), device) == 2  # an ordinary table now, ready for pg_dump
    assert [r["values"]["total"] for r in history(acme, device)] == [20_700, 20_000]
    row = billing_row(acme, device, last)
    assert (row["total_start"], row["total_end"], row["total_usage"]) == ("20000", "20700", "700")
    assert client_for(acme, acme.viewer).get(f"/devices/{device.public_id}/").status_code == 200

    device.delete()  # the archived table keeps no foreign key that would stop it
    assert rows_in("meters_meterread", device) == 0 and rows_in(partition_name(old), device) == 2


def test_a_late_read_for_a_detached_month_stays_in_default(acme):
    site = make_site(customer_name="Contoso Archive")
    device = monitored_device(site)
    old = month_add(this_month(), -20)
    add_read(device, mid_month(old), 500)
    partition_create(month=old)
    partitions_detach(before=month_add(old, 1))
    late = add_read(device, mid_month(old, hour=13), 510)

    assert partition_name(old) not in partitions_ensure()
    assert partition_holding(late) == DEFAULT_PARTITION and rows_in(partition_name(old), device) == 1


def test_the_operator_lists_ensures_and_detaches_months_with_the_command(acme):
    site = make_site(customer_name="Contoso Archive")
    device = monitored_device(site)
    old = month_add(this_month(), -30)
    add_read(device, mid_month(old), 700)

    assert f"{partition_name(old)}" in run_command("ensure", "--dealer", "acme")
    listed = run_command("list", "--dealer", "acme").splitlines()
    assert any(line.split()[:3] == [partition_name(old), f"{old:%Y-%m}", "attached"] for line in listed)
    assert partition_name(old) in run_command("detach", "--before", f"{month_add(old, 1):%Y-%m}", "--dealer", "acme")
    listed = run_command("list", "--dealer", "acme").splitlines()
    assert any(line.split()[:3] == [partition_name(old), f"{old:%Y-%m}", "DETACHED"] for line in listed)
    assert rows_in(partition_name(old), device) == 1
    with pytest.raises(CommandError, match="YYYY-MM"):
        run_command("detach", "--before", "last year", "--dealer", "acme")


def test_history_loaded_after_ensure_since_goes_straight_into_its_months(acme):
    first = month_add(this_month(), -5)
    run_command("ensure", "--since", f"{first:%Y-%m}", "--dealer", "acme")
    assert {partition_name(month_add(first, n)) for n in range(5)} <= attached_partitions()
    device = monitored_device(make_site(customer_name="Contoso History"))
    loaded = [add_read(device, mid_month(month_add(first, n)), 1_000 + n) for n in range(5)]
    assert [partition_holding(r) for r in loaded] == [partition_name(month_add(first, n)) for n in range(5)]


def run_command(*args: str) -> str:
    out = io.StringIO()
    call_command("meter_partitions", *args, stdout=out)
    return out.getvalue()


def test_the_daily_task_creates_the_next_months_in_every_dealer(acme, beta):
    further = {partition_name(month_add(this_month(), n)) for n in (4, 5)}
    assert not further & attached_partitions()

    outcome = ensure_meter_partitions(months_ahead=5)

    assert further <= set(outcome[acme.dealer.code]) and further <= set(outcome[beta.dealer.code])
    assert further <= attached_partitions()
    with in_schema(beta):
        assert further <= attached_partitions()


def test_a_flag_keeps_its_read_through_the_move_and_a_deleted_device_takes_reads_and_flags(acme):
    agent = new_agent()
    device = discover(agent, "konica_c250i", "10.61.0.3")
    month = month_add(this_month(), -7)
    read(agent, device, "konica_c250i", at=mid_month(month, hour=8), edit=set_value(LIFE_COUNT, 50_000))
    read(agent, device, "konica_c250i", at=mid_month(month, hour=9), edit=set_value(LIFE_COUNT, 120))
    flag = MeterFlag.objects.get(device=device, meter_kind="total")
    held = flag.read

    partitions_ensure()
    flag.refresh_from_db()
    assert flag.read == held and partition_holding(flag.read) == partition_name(month)
    flag_accept(flag=flag, by="admin@acme.example")  # locks the flag with its read, shifts the reads after it
    accepted = MeterRead.objects.get(pk=held.pk)
    assert (accepted.total, accepted.is_flagged) == (50_120, False)

    device.delete()
    assert rows_in("meters_meterread", device) == 0
    assert not MeterFlag.objects.filter(pk=flag.pk).exists()


def monitored_device(site) -> Device:
    serial = unique("PART").replace(" ", "-")
    now = timezone.now()
    return Device.objects.create(
        site=site,
        identity_key=f"serial:{serial}",
        serial=serial,
        ip="10.61.1.1",
        manufacturer="Konica Minolta",
        model="bizhub C250i",
        first_seen_at=now - timedelta(days=700),
        last_seen_at=now,
        last_read_at=now,
    )


def add_read(device: Device, at: datetime, total: int) -> MeterRead:
    return MeterRead.objects.create(device=device, read_at=at, total=total, values={"total": total})


def billing_row(acme, device: Device, month: date) -> dict[str, str]:
    end = month_add(month, 1) - timedelta(days=1)
    query = f"start={month}&end={end}&format=csv&customer={device.site.customer.public_id}"
    response = client_for(acme, acme.viewer).get(f"/billing-export/?{query}")
    assert response.status_code == 200, response.status_code
    rows = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    (row,) = [row for row in rows if row["serial"] == device.serial]
    return row
