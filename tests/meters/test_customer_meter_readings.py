"""A stale device's meters typed in by the customer: the dealer emails a one-time link from the device page, the
customer types the counters in from the device's panel, the read counts like an agent's (and says it was entered)."""

import csv
import hashlib
import io
import re
import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.forms.models import model_to_dict
from django.utils import timezone

from meters.choices import EventKind
from meters.interpret.types import BILLING_KINDS
from meters.models import Device, MeterFlag, MeterMonth, ReadingRequest
from meters.services.reading_requests import reading_request_create
from meters.services.rollups import month_of
from portal.lib.urls import absolute_url
from reports.models import OutboundEmail
from reports.readings.views import ReadingLinkThrottle
from reports.services.emails import email_send
from tests.dashboard.fleet_support import discover_as, read_as, recording_serial
from tests.meters.ingest_support import new_agent
from tests.support.personas import api_client_for, client_for

LINK_RE = re.compile(r"http://acme\.localhost(?::\d+)?(/meter-reading/[A-Za-z0-9_-]+/)")


@pytest.fixture(autouse=True)
def fresh_throttle(settings):
    """Every test client comes from 127.0.0.1: start each test with that address's allowance unused."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cache.delete(ReadingLinkThrottle.cache_format % {"scope": ReadingLinkThrottle.scope, "ident": "127.0.0.1"})


def stale_device(*, days_ago: float = 10) -> Device:
    """A colour MFP (the Konica recording) last read `days_ago`, gone stale since."""
    agent = new_agent()
    original = recording_serial()
    device = discover_as(agent, "10.77.0.1", original, f"MR{uuid.uuid4().hex[:8].upper()}")
    read_as(agent, device, original, days_ago=days_ago)
    Device.objects.filter(pk=device.pk).update(lifecycle="stale", location="2nd floor, by the kitchen")
    device.refresh_from_db()
    return device


def ask(acme, device: Device, recipients: str = "it@contoso.example", user=None) -> str:
    """Sends the request from the device page as a technician; returns the link's path from the email."""
    client = client_for(acme, user or acme.technician)
    response = client.post(f"/devices/{device.public_id}/reading-requests/", {"recipients": recipients})
    assert response.status_code == 302, response.status_code
    return LINK_RE.search(mail.outbox[-1].body).group(1)


def open_link(client, path: str) -> str:
    """Follows the emailed link as a browser does: it is swapped for the form's own address (no token in it)."""
    response = client.get(path)
    assert response.status_code == 302, response.status_code
    assert "/meter-reading/r/" in response.url and path.split("/")[2] not in response.url
    return response.url


def entry(device: Device, **overrides) -> dict:
    """What a careful customer types: a few hundred pages on from the first read, as the panel shows them."""
    values = {kind: f"{count + 300:,}" for kind, count in device.reads.order_by("read_at").first().values.items()}
    return {**values, "entered_by": "Jane Doe", **overrides}


def send_queued() -> None:
    for email in OutboundEmail.objects.filter(status="pending"):
        email_send(email_id=email.public_id)


def test_the_customer_types_the_meters_in_through_the_emailed_link(acme):
    device = stale_device()
    before = device.reads.get()
    page = client_for(acme, acme.technician).get(f"/devices/{device.public_id}/").content.decode()
    assert "Ask the customer for a meter reading" in page and 'value="it@contoso.example"' in page

    path = ask(acme, device, "it@contoso.example, Boss@Contoso.example")
    (request_email,) = mail.outbox
    assert request_email.to == ["it@contoso.example", "boss@contoso.example"]
    assert "Acme Copiers" in request_email.subject and device.serial in request_email.subject
    for text in (request_email.body, request_email.alternatives[0][0]):
        assert device.manufacturer in text and device.model in text and device.serial in text
        assert "2nd floor, by the kitchen" in text and device.site.name in text
        assert f"{before.total:,}" in text and absolute_url(path) in text

    customer = client_for(acme)  # no sign-in: the link is all the customer has
    form_url = open_link(customer, path)
    form = customer.get(form_url)
    assert form.status_code == 200
    text = form.content.decode()
    assert device.serial in text and "Counter" in text and f"Last reading: {before.total:,}" in text
    assert all(f'name="{kind}"' in text for kind in ("total", "mono", "color", "entered_by"))

    done = customer.post(form_url, entry(device), follow=True)
    assert done.status_code == 200 and "Thank you, Jane Doe" in done.content.decode()

    read = device.reads.order_by("-read_at").first()
    assert read.pk != before.pk and not read.is_flagged and read.total == before.total + 300
    assert read.sources["total"] == {"rule": "entered", "oids": [], "entered_by": "Jane Doe"}
    assert set(read.values) == set(before.values) & set(BILLING_KINDS)  # every billing meter the device states
    device.refresh_from_db()
    assert (device.latest_total, device.latest_mono, device.latest_color) == (read.total, read.mono, read.color)
    assert device.last_read_at == read.read_at
    assert MeterMonth.objects.get(device=device, month=month_of(read.read_at)).max_total == read.total
    assert device.events.filter(kind=EventKind.ENTERED).exists()

    assert customer.get(path).status_code == 410  # used up
    assert customer.post(form_url, entry(device, total="9,999,999")).status_code == 410
    assert client_for(acme).get(form_url).status_code == 404  # the form's address is nothing without the link
    assert device.reads.count() == 2

    send_queued()
    dealer_email = mail.outbox[-1]
    assert set(dealer_email.to) == {acme.technician.email, acme.admin.email}
    assert "meters entered by" in dealer_email.subject and "Jane Doe" in dealer_email.body
    assert f"{read.total:,}" in dealer_email.body and f"{before.total:,}" in dealer_email.body

    page = client_for(acme, acme.viewer).get(f"/devices/{device.public_id}/").content.decode()
    assert "entered by the customer" in page and "Jane Doe" in page
    assert "Meters entered by the customer" in page  # the device's history
    page = client_for(acme, acme.admin).get(f"/devices/{device.public_id}/").content.decode()
    assert "Ask the customer for a meter reading" not in page  # read today: nothing to ask for


def test_a_count_below_the_last_read_is_refused_with_the_last_known_number(acme):
    device = stale_device()
    before = device.reads.get()
    path = ask(acme, device)
    customer = client_for(acme)
    form_url = open_link(customer, path)
    refused = customer.post(form_url, entry(device, total=str(before.total - 1)))
    text = refused.content.decode()
    assert refused.status_code == 200 and f"lower than the last reading we have, {before.total:,}" in text
    assert device.reads.count() == 1
    assert customer.get(path).status_code == 302  # the link is still good for a corrected try

    not_whole = customer.post(form_url, entry(device, mono="12.5"))
    assert "whole number" in not_whole.content.decode()
    assert customer.post(form_url, entry(device)).status_code == 302
    assert device.reads.count() == 2


def test_an_implausible_jump_is_stored_flagged_for_the_dealer(acme):
    device = stale_device(days_ago=1)
    before = device.reads.get()
    path = ask(acme, device)
    customer = client_for(acme)
    done = customer.post(open_link(customer, path), entry(device, total=f"{before.total + 50_000_000:,}"), follow=True)
    assert "much higher than we expected" in done.content.decode()

    read = device.reads.order_by("-read_at").first()
    assert read.is_flagged and read.sources["total"]["rule"] == "entered"
    flag = MeterFlag.objects.get(read=read)
    assert (flag.kind, flag.meter_kind, flag.previous, flag.state) == ("jump", "total", before.total, "open")
    device.refresh_from_db()
    assert device.latest_total == before.total  # held back until the dealer decides
    send_queued()
    assert mail.outbox[-1].subject.startswith("Acme Copiers: Check:")


def test_an_expired_link_says_so_and_shows_no_device(acme):
    device = stale_device()
    _row, token = reading_request_create(
        device=device,
        recipients=["it@contoso.example"],
        by="admin@acme.example",
        now=timezone.now() - timedelta(days=8),
    )
    response = client_for(acme).get(f"/meter-reading/{token}/")
    assert response.status_code == 410
    text = response.content.decode()
    assert "This link has expired" in text and device.serial not in text


def test_a_link_of_dealer_a_on_dealer_b_host_is_not_found(acme, beta):
    device = stale_device()
    path = ask(acme, device)
    response = client_for(beta).get(path)
    assert response.status_code == 404
    assert device.serial not in response.content.decode()
    assert client_for(acme).get("/meter-reading/not-a-real-token-at-all/").status_code == 404


def test_the_token_is_stored_only_as_its_sha256(acme):
    device = stale_device()
    path = ask(acme, device)
    token = path.rstrip("/").rsplit("/", 1)[1]
    row = ReadingRequest.objects.get(device=device)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(model_to_dict(row))
    assert not OutboundEmail.objects.filter(text_body__contains=token).exists()


def test_viewers_cannot_send_requests(acme):
    device = stale_device()
    viewer = client_for(acme, acme.viewer)
    assert "Ask the customer for a meter reading" not in viewer.get(f"/devices/{device.public_id}/").content.decode()
    response = viewer.post(f"/devices/{device.public_id}/reading-requests/", {"recipients": "it@contoso.example"})
    assert response.status_code == 403
    assert not ReadingRequest.objects.filter(device=device).exists() and not mail.outbox


def test_the_device_page_shows_the_pending_link_and_staff_can_cancel_it(acme):
    device = stale_device()
    path = ask(acme, device)
    staff = client_for(acme, acme.admin)
    page = staff.get(f"/devices/{device.public_id}/").content.decode()
    pending = page.split('id="pending-request"')[1]
    assert "it@contoso.example" in pending and acme.technician.email in pending and "Cancel the link" in pending

    row = ReadingRequest.objects.get(device=device)
    assert staff.post(f"/reading-requests/{row.public_id}/cancel/").status_code == 302
    assert client_for(acme).get(path).status_code == 410

    second = ask(acme, device)  # a new link replaces the old one
    assert client_for(acme).get(second).status_code == 302
    assert ReadingRequest.objects.filter(device=device, cancelled_at__isnull=True, used_at__isnull=True).count() == 1


def test_a_device_read_this_month_is_not_offered_a_request(acme):
    agent = new_agent()
    original = recording_serial()
    device = discover_as(agent, "10.77.1.1", original, f"MR{uuid.uuid4().hex[:8].upper()}")
    read_as(agent, device, original, days_ago=0.0001)
    page = client_for(acme, acme.admin).get(f"/devices/{device.public_id}/").content.decode()
    assert 'id="customer-reading"' not in page


def test_no_link_is_made_when_the_email_cannot_be_sent(acme, monkeypatch):
    def refuse(self, fail_silently=False):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    device = stale_device()
    response = client_for(acme, acme.admin).post(
        f"/devices/{device.public_id}/reading-requests/", {"recipients": "it@contoso.example"}, follow=True
    )
    assert "could not be sent" in response.content.decode()
    assert not ReadingRequest.objects.filter(device=device).exists()


def test_the_public_page_is_throttled_per_address(acme, monkeypatch):
    monkeypatch.setattr(ReadingLinkThrottle, "rate", "3/minute")
    customer = client_for(acme)
    statuses = [customer.get(f"/meter-reading/guess-{n}/").status_code for n in range(4)]
    assert statuses == [404, 404, 404, 429]


def test_the_billing_export_and_the_api_say_a_read_was_entered_by_the_customer(acme):
    device = stale_device()
    customer = client_for(acme)
    customer.post(open_link(customer, ask(acme, device)), entry(device))

    today = timezone.localdate(timezone=device.site.tzinfo)
    query = f"start={today - timedelta(days=20)}&end={today}&format=csv&customer={device.site.customer.public_id}"
    export = client_for(acme, acme.viewer).get(f"/billing-export/?{query}")
    rows = csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode()))
    (row,) = [row for row in rows if row["serial"] == device.serial]
    assert row["end_read_note"] == "entered by the customer (Jane Doe)"
    assert "entered" not in row["start_read_note"]  # the agent's read

    api = api_client_for(acme, acme.viewer).get(f"/api/v1/devices/{device.public_id}/meters/").json()
    newest, oldest = api["results"]
    assert newest["sources"]["total"]["rule"] == "entered" and oldest["sources"]["total"]["rule"] != "entered"
