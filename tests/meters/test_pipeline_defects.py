"""Smaller defects of the meter pipeline a dealer or an integration hit (issue 12, item 7)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from agents.models import Directive
from meters.models import Alert, Device
from meters.services.ingest import result_time
from meters.services.plans import read_directive_request
from tests.meters.ingest_support import discover, new_agent, read, store_result
from tests.support.personas import api_client_for


def test_in_alert_lists_only_devices_with_an_open_alert(acme):
    agent = new_agent()
    quiet, jammed = discover(agent, "konica_c250i", "10.12.7.1"), discover(agent, "sharp", "10.12.7.2")
    never = discover(agent, "jetdirect_m130nw", "10.12.7.3")  # no alert, ever
    now = timezone.now()
    Alert.objects.filter(device__in=[quiet, jammed, never]).delete()
    Alert.objects.create(
        device=jammed,
        code="jam",
        severity="warning",
        description="Paper jam",
        source="alert_table",
        first_seen_at=now,
        last_seen_at=now,
    )
    Alert.objects.create(
        device=quiet,
        code="door_open",
        severity="warning",
        description="Door open",
        source="error_state",
        first_seen_at=now,
        last_seen_at=now,
        cleared_at=now,
    )
    client = api_client_for(acme, acme.viewer)
    site = agent.site.public_id
    in_alert = client.get(f"/api/v1/devices/?site={site}&in_alert=true").json()["results"]
    calm = client.get(f"/api/v1/devices/?site={site}&in_alert=false").json()["results"]
    assert [d["id"] for d in in_alert] == [str(jammed.public_id)]
    assert {d["id"] for d in calm} == {str(quiet.public_id), str(never.public_id)}


@pytest.mark.parametrize(
    "url",
    ["/api/v1/sites/?customer=not-a-uuid", "/api/v1/license-keys/?site=x", "/api/v1/agents/?site=1 OR 1=1"],
)
def test_a_filter_that_is_not_an_id_answers_400_with_the_reason(acme, url):
    answer = api_client_for(acme, acme.admin).get(url)
    assert answer.status_code == 400
    assert "is not an id" in str(answer.json())


def test_read_now_after_a_discovery_reads_the_new_devices(acme):
    agent = new_agent()
    first = discover(agent, "konica_c250i", "10.12.8.1")
    pending = read_directive_request(site=agent.site, requested_by="schedule")
    assert [e["device_id"] for e in pending.params["devices"]] == [str(first.public_id)]
    second = discover(agent, "sharp", "10.12.8.2")  # the discovery queues "read what was found"
    again = read_directive_request(site=agent.site, requested_by="discovery")
    assert again.pk == pending.pk  # still one pending read for the site...
    stored = Directive.objects.get(pk=pending.pk).params["devices"]
    assert {e["device_id"] for e in stored} == {str(first.public_id), str(second.public_id)}  # ...with both


@pytest.mark.parametrize("finished_at", ["1970-01-01T00:00:00+00:00", "next year", "2099-01-01T00:00:00+00:00"])
def test_an_agent_clock_that_cannot_be_right_is_not_believed(acme, finished_at):
    agent = new_agent()
    result = store_result(agent, "read", {"devices": []})
    assert result_time(result, {"finished_at": finished_at}) == result.received_at


def test_an_agent_clock_in_another_zone_is_kept_in_utc(acme):
    agent = new_agent()
    read_at = timezone.now() - timedelta(hours=3)
    result = store_result(agent, "read", {"devices": []}, at=read_at)
    stamp = result_time(result, {"finished_at": read_at.astimezone(timezone.get_fixed_timezone(-300)).isoformat()})
    assert stamp == read_at and stamp.utcoffset() == timedelta(0)


def test_a_stale_device_read_again_is_active_and_the_next_pass_leaves_it(acme):
    from meters.services.lifecycle import devices_update_lifecycle

    agent = new_agent()
    device = discover(agent, "konica_c250i", "10.12.9.1")
    read(agent, device, "konica_c250i", at=timezone.now() - timedelta(days=10))
    assert devices_update_lifecycle()["stale"] == 1
    read(agent, device, "konica_c250i")
    assert Device.objects.get(pk=device.pk).lifecycle == "active"
    assert devices_update_lifecycle()["stale"] == 0
