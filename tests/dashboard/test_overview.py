"""The fleet overview, customer and site pages: what a dealer looks at every morning."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from agents.models import Agent
from meters.models import Alert, MeterRead
from meters.selectors import month_start, volume_cache_forget
from meters.services.rollups import rollups_add
from tests.dashboard.fleet_support import (
    black_toner,
    discover_as,
    fleet_of,
    queries_for,
    read_as,
    recording_serial,
    toner_at,
)
from tests.meters.ingest_support import new_agent
from tests.support.personas import client_for


@pytest.fixture(autouse=True)
def fresh_volume_cache(acme):
    volume_cache_forget()  # the overview caches monthly volume per dealer; each test sees its own rows
    yield
    volume_cache_forget()


def tiles(page: str) -> dict[str, int]:
    return {name: int(num) for name, num in re.findall(r'id="tile-(\w+)"[^>]*><span class="num">(\d+)<', page)}


def test_overview_tiles_count_new_devices_toner_low_and_alerts(acme):
    client = client_for(acme, acme.viewer)
    before = tiles(client.get("/").content.decode())
    agent = new_agent()
    low, full = fleet_of(agent, 2, prefix="33.1")
    original = recording_serial()
    read_as(agent, low, original, edits=(toner_at(black_toner(low), 2),))
    read_as(agent, full, original, edits=(toner_at(black_toner(full), 97),))
    for device in (low, full):  # whatever else the recording reports, the levels above decide "toner low"
        device.supplies.exclude(pk=black_toner(device).pk).update(level_percent=90)
    full.lowest_supply_percent = 97
    full.save()
    now = timezone.now()
    Alert.objects.filter(device__in=[low, full], cleared_at__isnull=True).update(cleared_at=now)
    Alert.objects.create(
        device=low,
        code="jam",
        severity="warning",
        description="Paper jam",
        source="alert_table",
        first_seen_at=now,
        last_seen_at=now,
    )
    after = tiles(client.get("/").content.decode())
    assert after["monitored"] - before["monitored"] == 2 and after["new"] - before["new"] == 2
    assert after["toner"] - before["toner"] == 1
    assert after["alert"] - before["alert"] == 1


def test_customers_ranked_by_pages_with_monthly_volume(acme):
    agent = new_agent()
    device = discover_as(agent, "10.33.2.1", recording_serial(), "VOLUME1")
    now = timezone.now()
    points = [
        (month_start(now, 2) + timedelta(hours=1), 10_000, 2_000),
        (month_start(now, 1) + timedelta(hours=1), 11_000, 2_500),
        (now - timedelta(minutes=5), 11_400, 2_600),
    ]
    reads = [
        MeterRead.objects.create(
            device=device,
            read_at=at,
            mono=mono,
            color=color,
            total=mono + color,
            values={"total": mono + color, "mono": mono, "color": color},
        )
        for at, mono, color in points
    ]
    # A printer that states only its total: its pages are unsplit, never counted as mono.
    unsplit = discover_as(agent, "10.33.2.2", recording_serial(), "VOLUME2")
    reads += [
        MeterRead.objects.create(device=unsplit, read_at=at, total=total, values={"total": total})
        for at, total in ((points[0][0], 5_000), (points[1][0], 5_300), (points[2][0], 5_450))
    ]
    rollups_add(reads)  # what the ingest does with every batch of good reads
    page = client_for(acme, acme.viewer).get("/").content.decode()
    ranking = page.split('id="top-customers"')[1].split("</section>")[0]
    row = re.search(re.escape(agent.site.customer.name) + r".*?</tr>", ranking, re.S).group(0)
    # Pages, mono, colour and unsplit over the last 3 months (the first month has no month before it): mono
    # 1,000 + 400, colour 500 + 100, unsplit 300 + 150, and they add up to the pages.
    assert re.findall(r'class="num[^"]*">([\d,]+)<', row) == ["2,450", "1,400", "600", "450"]
    volume = page.split('id="volume"')[1].split("</section>")[0]
    assert '<svg class="chart"' in volume and 'class="unsplit"' in volume
    so_far = re.search(r'id="month-so-far">(.*?)</p>', volume, re.S).group(1)
    assert "650 pages: 400 mono, 100 colour, 150 unsplit" in " ".join(so_far.split())


def test_agents_that_have_not_called_in_are_listed(acme):
    agent = new_agent(hostname="quiet-pc")
    Agent.objects.filter(pk=agent.pk).update(last_seen_at=timezone.now() - timedelta(days=3))
    page = client_for(acme, acme.viewer).get("/").content.decode()
    silent = page.split('id="silent-agents"')[1].split("</section>")[0]
    assert "quiet-pc" in silent and "3 days ago" in silent.replace("\xa0", " ")


def test_customer_and_site_pages_list_their_devices_and_agents(acme):
    agent = new_agent(hostname="reception-pc")
    devices = fleet_of(agent, 2, prefix="33.4")
    client = client_for(acme, acme.viewer)
    for url in (f"/customers/{agent.site.customer.public_id}/", f"/sites/{agent.site.public_id}/"):
        page = client.get(url).content.decode()
        assert all(f"/devices/{d.public_id}/" in page for d in devices), url
        assert "reception-pc" in page, url


def test_query_counts_do_not_grow_with_the_fleet(acme):
    agent = new_agent()
    fleet_of(agent, 2, prefix="33.5")
    client = client_for(acme, acme.admin)
    site = agent.site
    urls = [
        "/",
        f"/devices/?site={site.public_id}",
        "/devices/",
        f"/customers/{site.customer.public_id}/",
        f"/sites/{site.public_id}/",
    ]
    small = {url: queries_for(client, url) for url in urls}
    volume_cache_forget()
    fleet_of(agent, 6, prefix="33.6")
    large = {url: queries_for(client, url) for url in urls}
    assert small == large
