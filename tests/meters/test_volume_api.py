"""Pages per month through the dealer API: what an ERP reads to bill or forecast volume."""

from datetime import timedelta

import pytest
from django.utils import timezone

from meters.models import MeterRead
from meters.selectors import month_start, volume_cache_forget
from meters.services.rollups import rollups_add
from tests.dashboard.fleet_support import discover_as, recording_serial
from tests.meters.ingest_support import new_agent
from tests.support.personas import api_client_for


@pytest.fixture(autouse=True)
def fresh_volume_cache(acme):
    volume_cache_forget()  # monthly volume is cached per dealer; each test sees its own rows
    yield
    volume_cache_forget()


def meter_read(device, at, *, total: int, mono: int | None = None, color: int | None = None) -> MeterRead:
    values = {"total": total} if mono is None else {"total": total, "mono": mono, "color": color}
    return MeterRead.objects.create(device=device, read_at=at, total=total, mono=mono, color=color, values=values)


def reads_over_two_months(agent) -> None:
    """A colour device (mono 10,000 → 10,600 → 11,000, colour 2,000 → 2,300 → 2,500) and one that states only its
    total (5,000 → 5,200 → 5,450): last month and this month."""
    now = timezone.now()
    last_month = month_start(now, 1)
    times = (last_month + timedelta(hours=1), last_month + timedelta(days=2), now - timedelta(minutes=5))
    split = discover_as(agent, "10.12.50.1", recording_serial(), "VOLAPI1")
    unsplit = discover_as(agent, "10.12.50.2", recording_serial(), "VOLAPI2")
    reads = [
        meter_read(split, at, total=mono + color, mono=mono, color=color)
        for at, mono, color in zip(times, (10_000, 10_600, 11_000), (2_000, 2_300, 2_500), strict=True)
    ]
    reads += [meter_read(unsplit, at, total=total) for at, total in zip(times, (5_000, 5_200, 5_450), strict=True)]
    rollups_add(reads)  # what the ingest does with every batch of good reads


def test_customer_volume_months_add_up(acme):
    agent = new_agent()
    reads_over_two_months(agent)
    customer = agent.site.customer.public_id

    body = api_client_for(acme, acme.viewer).get(f"/api/v1/volume/?months=3&customer={customer}").json()

    assert body["customer"] == str(customer) and len(body["months"]) == 3
    months = [(m["total"], m["mono"], m["color"], m["unsplit"]) for m in body["months"]]
    assert months == [(0, 0, 0, 0), (1_100, 600, 300, 200), (850, 400, 200, 250)]
    assert body["months"][-1]["month"] == month_start(timezone.now()).date().isoformat()


def test_dealer_volume_covers_twelve_months_and_each_adds_up(acme):
    reads_over_two_months(new_agent())
    other = new_agent()  # another customer's device
    device = discover_as(other, "10.12.51.1", recording_serial(), "VOLAPI3")
    now = timezone.now()
    rollups_add([meter_read(device, now - timedelta(hours=3), total=1_000), meter_read(device, now, total=1_070)])

    months = api_client_for(acme, acme.viewer).get("/api/v1/volume/").json()["months"]

    assert len(months) == 12
    assert all(m["total"] == m["mono"] + m["color"] + m["unsplit"] for m in months)
    assert months[-1]["total"] >= 850 + 70 and months[-1]["unsplit"] >= 250 + 70


@pytest.mark.parametrize("query", ["customer=not-a-uuid", "months=0", "months=13", "months=twelve"])
def test_bad_volume_parameters_answer_400(acme, query):
    assert api_client_for(acme, acme.viewer).get(f"/api/v1/volume/?{query}").status_code == 400


def test_another_dealers_staff_cannot_see_a_customers_volume(acme, beta):
    agent = new_agent()
    reads_over_two_months(agent)
    url = f"/api/v1/volume/?customer={agent.site.customer.public_id}"
    assert api_client_for(beta, beta.admin).get(url).status_code == 404
