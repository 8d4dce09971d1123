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
    assert "Yellow Cartridge low (6 %)" in panel and "Paper jam" in panel
    assert panel.count("Cartridge low") == 1 and "low toner" not in panel


def test_a_generic_toner_alert_shows_when_no_level_says_it(acme):
    (device,) = fleet_of(new_agent(), 1, prefix="34.2")
    device.alerts.all().delete()
    alert(device, "low_toner", "low toner", "error_state")
    assert "low toner" in alerts_panel(acme, device)


def test_a_supply_without_a_level_is_described_in_words(acme):
    (device,) = fleet_of(new_agent(), 1, prefix="34.3")
    Supply.objects.filter(device=device).update(level_percent=None, level_state="some_remaining")
    page = client_for(acme, acme.viewer).get(f"/devices/{device.public_id}/").content.decode()
    supplies = page.split('id="supplies"')[1].split("</section>")[0]
    assert "some left (no level given)" in supplies and "some_remaining" not in supplies
