"""A site's time zone starts as the dealer's (Dealer settings), not UTC, and the form offers the browser's."""

import re

from agents.models import Site
from tests.support.factories import make_site
from tests.support.personas import api_client_for, client_for

SETTINGS = {
    "toner_alert_percent": 15,
    "discovery_weekdays": ["0", "3"],
    "discovery_hour": "14",
    "read_hours": ["7", "12", "17"],
    "status_interval_minutes": 60,
}


def set_dealer_zone(acme, zone: str):
    client = client_for(acme, acme.admin)
    response = client.post("/accounts/settings/", {"name": acme.dealer.name, "time_zone": zone, **SETTINGS})
    assert response.status_code == 302, response.content.decode()[-1500:]
    acme.dealer.refresh_from_db()
    return client


def test_the_dealer_sets_its_time_zone_and_new_sites_start_in_it(acme):
    client = set_dealer_zone(acme, "America/Chicago")
    assert acme.dealer.time_zone == "America/Chicago"
    settings_page = client.get("/accounts/settings/").content.decode()
    assert re.search(r'<option value="America/Chicago" selected>', settings_page)

    customer = make_site().customer
    form = client.get(f"/customers/{customer.public_id}/sites/new/").content.decode()
    assert re.search(r'<option value="America/Chicago" selected>', form)
    assert 'data-browser-zone="#id_time_zone"' in form  # forms.js names and fills in the browser's zone


def test_a_site_made_over_the_api_without_a_zone_gets_the_dealers(acme):
    set_dealer_zone(acme, "Europe/Vienna")
    customer = make_site().customer
    api = api_client_for(acme, acme.technician)
    made = api.post(
        "/api/v1/sites/", {"customer": str(customer.public_id), "name": "Annex"}, content_type="application/json"
    )
    assert made.status_code == 201, made.content
    assert Site.objects.get(public_id=made.json()["id"]).time_zone == "Europe/Vienna"


def test_an_unknown_dealer_zone_is_a_form_error(acme):
    client = client_for(acme, acme.admin)
    response = client.post("/accounts/settings/", {"name": acme.dealer.name, "time_zone": "Mars/Olympus", **SETTINGS})
    assert response.status_code == 200
    assert "Mars/Olympus is not one of the available choices" in response.content.decode()
