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
        "read", "status"
    ]  # fmt: skip
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
