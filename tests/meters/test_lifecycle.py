from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from agents.models import DirectiveResult
from meters.choices import Lifecycle
from meters.models import Device
from meters.services.lifecycle import devices_update_lifecycle
from tests.meters.ingest_support import discover, new_agent, read


def test_no_read_for_7_days_is_stale_and_42_days_retired_and_a_read_brings_it_back(acme):
    agent = new_agent()
    device = discover(agent, "konica_c250i", "10.3.0.1")
    read(agent, device, "konica_c250i")
    now = timezone.now()
    devices_update_lifecycle(now=now + timedelta(days=6))
    device.refresh_from_db()
    assert device.lifecycle == Lifecycle.ACTIVE
    devices_update_lifecycle(now=now + timedelta(days=8))
    device.refresh_from_db()
    assert device.lifecycle == Lifecycle.STALE
    devices_update_lifecycle(now=now + timedelta(days=43))
    device.refresh_from_db()
    assert device.lifecycle == Lifecycle.RETIRED and device.reads.count() == 1  # history kept
    read(agent, device, "konica_c250i")
    assert device.lifecycle == Lifecycle.ACTIVE
    assert [e.kind for e in device.events.order_by("pk")][-3:] == ["stale", "retired", "returned"]


def test_reinterpret_rebuilds_reads_from_stored_raw_results(committed, capsys):
    from django_tenants.utils import tenant_context

    with tenant_context(committed["acme"].dealer):
        agent = new_agent()
        device = discover(agent, "konica_c250i", "10.3.0.2")
        read(agent, device, "konica_c250i")
        # Other committed tests read the same printer (same serial, same device): follow only this agent's read.
        result = DirectiveResult.objects.get(agent=agent, directive__kind="read")
        device.reads.filter(result=result).delete()
        Device.objects.filter(pk=device.pk).update(latest_total=None)
    call_command("reinterpret", "--dealer", "acme", "--since", timezone.now().date().isoformat())
    assert "Re-interpreted" in capsys.readouterr().out
    with tenant_context(committed["acme"].dealer):
        device.refresh_from_db()
        assert device.reads.filter(result=result).count() == 1 and device.latest_total
