"""Two workers interpreting reads of one device at once: the device ends with the newest figures."""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from meters.models import Device
from meters.services import ingest
from tests.dashboard.fleet_support import RECORDING, discover_as, recording_serial, swap_serial
from tests.meters.ingest_support import LIFE_COUNT, new_agent, read_payload, set_value, store_result


def in_thread(dealer, work):
    """Runs `work()` on a thread of its own, with its own database connection, in the dealer's schema."""

    def run():
        try:
            with tenant_context(dealer):
                return work()
        finally:
            connection.close()

    return ThreadPoolExecutor(1).submit(run)


def test_an_older_read_finishing_last_does_not_roll_the_device_back(committed, monkeypatch):
    dealer = committed["acme"].dealer
    with tenant_context(dealer):
        agent = new_agent()
        device = discover_as(agent, "10.12.11.1", recording_serial(), f"RACE{uuid.uuid4().hex[:8]}")

        def payload(total):
            return read_payload(
                device,
                RECORDING,
                edit=lambda vb: set_value(LIFE_COUNT, total)(swap_serial(recording_serial(), device.serial)(vb)),
            )

        older_at, newer_at = timezone.now() - timedelta(hours=2), timezone.now() - timedelta(hours=1)
        older = store_result(agent, "read", payload(50_000), at=older_at)
        newer = store_result(agent, "read", payload(50_300), at=newer_at)

    loaded, go_on = threading.Event(), threading.Event()
    interpret_full = ingest._interpret_full

    def slow_for_the_older(full, at, *rest):
        items = interpret_full(full, at, *rest)
        if at == older_at:
            loaded.set()  # the older read's worker has its devices in hand...
            go_on.wait(30)  # ...and is held there while the newer read is stored and committed
        return items

    monkeypatch.setattr(ingest, "_interpret_full", slow_for_the_older)
    first = in_thread(dealer, lambda: ingest.result_interpret(result=older, steady=False))
    try:
        assert loaded.wait(30), first.exception(1)
        in_thread(dealer, lambda: ingest.result_interpret(result=newer, steady=False)).result(30)
    finally:
        go_on.set()
    first.result(30)

    with tenant_context(dealer):
        device = Device.objects.get(pk=device.pk)
        assert device.latest_total == 50_300
        assert device.last_read_at == newer_at
        assert device.reads.count() == 2
        assert device.reads.order_by("-read_at").first().total == 50_300
        Device.objects.filter(pk=device.pk).delete()
