"""Two ingest batches for one customer's devices at once: the customer's monthly pages count both."""

import threading
import uuid
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from meters.models import CustomerMonth, Device
from meters.selectors import month_start
from meters.services.rollups import rollups_fold
from tests.dashboard.fleet_support import discover_as, recording_serial
from tests.meters.ingest_support import new_agent
from tests.meters.test_concurrent_ingest import in_thread
from tests.support.waiting import wait_until


def waiting_on_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return bool(row) and row[0] == "Lock"


def test_two_batches_of_one_customer_at_once_both_count(committed):
    """Two agents' batches for one customer's devices, the second folded while the first is not committed yet:
    the customer's month holds both devices' pages, not only the last writer's."""
    dealer = committed["acme"].dealer
    now = timezone.now()
    with tenant_context(dealer):
        agent = new_agent()
        original = recording_serial()
        first, second = (discover_as(agent, f"10.62.0.{n}", original, f"CMRACE{uuid.uuid4().hex[:6]}") for n in (1, 2))
    held, go_on, pids = threading.Event(), threading.Event(), {}

    def fold(device: Device, total: int, hold: bool) -> None:
        with transaction.atomic():
            pids[device.pk] = connection.connection.info.backend_pid
            rollups_fold(
                [(device.pk, now - timedelta(hours=2), total, None, None), (device.pk, now, total + 500, None, None)]
            )
            if hold:
                held.set()
                go_on.wait(30)

    try:
        earlier = in_thread(dealer, lambda: fold(first, 1_000, True))
        try:
            assert held.wait(30), earlier.exception(1)
            later = in_thread(dealer, lambda: fold(second, 5_000, False))
            wait_until(lambda: second.pk in pids and waiting_on_a_lock(pids[second.pk]), timeout=30)
        finally:
            go_on.set()
        earlier.result(30)
        later.result(30)

        with tenant_context(dealer):
            row = CustomerMonth.objects.get(customer=agent.site.customer, month=month_start(now).date())
            assert (row.unsplit, row.devices) == (1_000, 2)  # 500 pages from each printer
    finally:  # committed data outlives this test
        with tenant_context(dealer):
            Device.objects.filter(pk__in=[first.pk, second.pk]).delete()


def test_a_device_deleted_by_any_path_leaves_its_customers_months(committed):
    """The admin, a script's queryset delete: the customer's monthly pages stop counting the device either way."""
    dealer = committed["acme"].dealer
    now = timezone.now()
    with tenant_context(dealer):
        agent = new_agent()
        device = discover_as(agent, "10.62.1.1", recording_serial(), f"CMDEL{uuid.uuid4().hex[:6]}")
        rollups_fold([(device.pk, now - timedelta(hours=2), 1_000, None, None), (device.pk, now, 1_300, None, None)])
        month = CustomerMonth.objects.filter(customer=agent.site.customer, month=month_start(now).date())
        assert month.get().unsplit == 300
        Device.objects.filter(pk=device.pk).delete()
        assert not month.exists()
