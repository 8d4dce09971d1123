from datetime import UTC, datetime, timedelta

from agents.models import Directive
from meters.services.schedules import site_schedule_reset, sites_dispatch_due
from tests.meters.ingest_support import discover, new_agent
from tests.support.factories import make_site


def test_a_site_gets_discovery_on_its_days_and_reads_at_its_hours(acme):
    site = make_site()  # Europe/Berlin
    agent = new_agent(site=site)
    discover(agent, "konica_c250i", "10.4.0.1")
    saturday = datetime(2026, 11, 21, 12, tzinfo=UTC)
    site_schedule_reset(site=site, now=saturday)
    assert site.next_discovery_at == datetime(2026, 11, 23, 13, tzinfo=UTC)  # Monday 14:00 CET
    assert site.next_read_at == datetime(2026, 11, 21, 16, tzinfo=UTC)  # 17:00 CET today
    Directive.objects.filter(site=site).delete()
    sites_dispatch_due(now=datetime(2026, 11, 21, 16, 1, tzinfo=UTC))
    assert list(Directive.objects.filter(site=site).values_list("kind", flat=True).order_by("kind")) == [
        "read",
        "status",
    ]
    sites_dispatch_due(now=datetime(2026, 11, 23, 13, 1, tzinfo=UTC))
    assert Directive.objects.filter(site=site, kind="discover").count() == 1


def test_an_agent_away_for_days_finds_one_directive_per_kind_not_a_pile(acme):
    site = make_site()
    agent = new_agent(site=site)
    discover(agent, "konica_c250i", "10.4.0.2")
    start = datetime(2026, 11, 16, 0, tzinfo=UTC)
    site_schedule_reset(site=site, now=start)
    Directive.objects.filter(site=site).delete()
    for hour in range(0, 7 * 24, 1):  # a week of beat passes, the agent never polls
        sites_dispatch_due(now=start + timedelta(hours=hour))
    pending = Directive.objects.filter(site=site, status="pending")
    assert sorted(pending.values_list("kind", flat=True)) == ["discover", "read", "status"]


def test_sites_without_an_agent_get_nothing(acme):
    site = make_site()
    sites_dispatch_due(now=datetime(2026, 11, 23, 13, 1, tzinfo=UTC))
    assert not Directive.objects.filter(site=site).exists()


def test_a_site_can_override_the_dealers_discovery_days_in_its_page(acme):
    from tests.support.personas import client_for

    site = make_site()
    client = client_for(acme, acme.technician)
    form = {
        "name": site.name,
        "time_zone": "America/Chicago",
        "scan_rate_limit": 0,
        "snmp_port": 161,
        "discovery_weekdays": ["1", "4"],
        "discovery_hour": "9",
    }
    assert client.post(f"/sites/{site.public_id}/edit/", form).status_code == 302
    site.refresh_from_db()
    site_schedule_reset(site=site, now=datetime(2026, 11, 21, 12, tzinfo=UTC))
    assert site.next_discovery_at == datetime(2026, 11, 24, 15, tzinfo=UTC)  # Tuesday 09:00 in Chicago


def test_dealer_settings_change_the_schedules_every_site_follows(acme):
    from tests.support.personas import client_for

    site = make_site()
    site_schedule_reset(site=site, now=datetime(2026, 11, 21, 12, tzinfo=UTC))
    form = {
        "name": acme.dealer.name,
        "toner_alert_percent": 20,
        "discovery_weekdays": ["2"],
        "discovery_hour": "15",
        "read_hours": ["6", "18"],
        "status_interval_minutes": 30,
        "notification_emails": "ops@acme.example",
        "time_zone": "Europe/London",
    }
    response = client_for(acme, acme.admin).post("/accounts/settings/", form)
    assert response.status_code == 302, response.content.decode()[-2000:]
    acme.dealer.refresh_from_db()
    assert (acme.dealer.discovery_weekdays, acme.dealer.read_hours) == ([2], [6, 18])
    assert acme.dealer.notification_emails == ["ops@acme.example"] and acme.dealer.toner_alert_percent == 20
    site.refresh_from_db()
    assert site.next_discovery_at is None  # recomputed with the new days at the next pass
    site_schedule_reset(site=site, now=datetime(2026, 11, 21, 12, tzinfo=UTC))
    assert site.next_discovery_at == datetime(2026, 11, 25, 14, tzinfo=UTC)  # Wednesday 15:00 in Berlin
