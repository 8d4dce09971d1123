"""The device page says each condition once, in words a dealer reads."""

from django.utils import timezone

from meters.models import Alert, Supply
from tests.dashboard.fleet_support import fleet_of
from tests.meters.ingest_support import new_agent
from tests.support.personas import client_for


def alert(device, code: str, description: str, source: str, cleared: bool = False) -> Alert:
    now = timezone.now()
    return Alert.objects.create(
        device=device,
        code=code,
        severity="warning",
        description=description,
        source=source,
        first_seen_at=now,
        last_seen_at=now,
        cleared_at=now if cleared else None,
    )


def alerts_panel(acme, device) -> str:
    page = client_for(acme, acme.viewer).get(f"/devices/{device.public_id}/").content.decode()
    return page.split('id="alerts"')[1].split("</section>")[0]


def test_one_low_toner_shows_once_not_three_times(acme):
    (device,) = fleet_of(new_agent(), 1, prefix="34.1")
    device.alerts.all().delete()
    alert(device, "supply_low:yellow", "Yellow Cartridge low (6 %)", "supply")
    alert(device, "low_toner", "low toner", "error_state")
    alert(device, "alert_toner_1104", "Yellow Cartridge low", "alert_table")
    alert(device, "jam", "Paper jam", "alert_table")
    panel = alerts_panel(acme, device)
    assert "Toner low (Yellow\u00a06\u00a0%)" in panel and "Paper jam" in panel  # as the overview says it
    assert panel.count("Toner low") == 1 and "Cartridge low" not in panel and "low toner" not in panel


def test_a_generic_toner_alert_shows_when_no_level_says_it(acme):
    (device,) = fleet_of(new_agent(), 1, prefix="34.2")
    device.alerts.all().delete()
    alert(device, "low_toner", "low toner", "error_state")
    panel = alerts_panel(acme, device)
    assert "Toner low" in panel and "low toner" not in panel  # the overview's words, not the raw description


def test_a_supply_without_a_level_is_described_in_words(acme):
    (device,) = fleet_of(new_agent(), 1, prefix="34.3")
    Supply.objects.filter(device=device).update(level_percent=None, level_state="some_remaining")
    page = client_for(acme, acme.viewer).get(f"/devices/{device.public_id}/").content.decode()
    supplies = page.split('id="supplies"')[1].split("</section>")[0]
    assert "some left (no level given)" in supplies and "some_remaining" not in supplies


def test_open_alerts_come_before_cleared_ones_in_the_overviews_words(acme):
    (device,) = fleet_of(new_agent(), 1, prefix="34.4")
    device.alerts.all().delete()
    alert(device, "door_open", "Front door open.", "alert_table", cleared=True)
    alert(device, "jam", "jam", "error_state")
    panel = alerts_panel(acme, device)
    assert panel.index("Paper jam") < panel.index("Front door open")
    assert 'class="badge sev-critical">critical</span> Paper jam' in panel  # a jam stops the device: critical
