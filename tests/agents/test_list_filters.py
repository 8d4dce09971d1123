"""One filter set per list, shared by the page and the dealer API (agents/filtersets.py): the same parameters
narrow both, archived rows only when asked for, and a bad value answers 400 with the reason."""

import pytest

from agents.services.customers import customer_archive
from tests.support.factories import make_agent, make_site
from tests.support.personas import api_client_for, client_for


def test_the_customers_page_and_the_api_find_a_customer_by_name_or_account_number(acme):
    wanted = make_site(customer_name="Fabrikam").customer
    wanted.account_number = "ACC-4711"
    wanted.save()
    other = make_site(customer_name="Northwind").customer
    page = client_for(acme, acme.viewer).get("/customers/?q=acc-4711").content.decode()
    assert wanted.name in page and other.name not in page
    listed = api_client_for(acme, acme.viewer).get("/api/v1/customers/?q=fabrikam").json()["results"]
    assert [c["id"] for c in listed] == [str(wanted.public_id)]


def listed_ids(api, url: str) -> set[str]:
    return {row["id"] for row in api.get(url).json()["results"]}


def test_archived_customers_are_listed_only_when_asked_for(acme):
    archived = customer_archive(customer=make_site(customer_name="Gone").customer)
    page, api = client_for(acme, acme.viewer), api_client_for(acme, acme.viewer)
    assert archived.name not in page.get("/customers/").content.decode()
    assert archived.name in page.get("/customers/?show=all").content.decode()
    assert str(archived.public_id) not in listed_ids(api, "/api/v1/customers/")
    assert str(archived.public_id) in listed_ids(api, "/api/v1/customers/?archived=true")


def test_archived_sites_are_listed_only_when_asked_for(acme):
    site = make_site()
    customer = site.customer
    customer_archive(customer=customer)
    api = api_client_for(acme, acme.viewer)
    assert api.get(f"/api/v1/sites/?customer={customer.public_id}").json()["results"] == []
    listed = api.get(f"/api/v1/sites/?customer={customer.public_id}&archived=true").json()["results"]
    assert [s["id"] for s in listed] == [str(site.public_id)]


def test_the_agents_page_and_the_api_list_one_sites_agents(acme):
    mine, _token = make_agent(hostname="front-desk")
    make_agent(hostname="warehouse")
    page = client_for(acme, acme.viewer).get(f"/agents/?site={mine.site.public_id}").content.decode()
    assert "front-desk" in page and "warehouse" not in page
    assert f'Agents of <a href="/sites/{mine.site.public_id}/">' in page and "All agents" in page
    listed = api_client_for(acme, acme.viewer).get(f"/api/v1/agents/?site={mine.site.public_id}").json()["results"]
    assert [a["id"] for a in listed] == [str(mine.public_id)]


def test_the_agents_page_shows_every_agent_for_a_site_that_is_not_an_id(acme):
    make_agent(hostname="front-desk")
    response = client_for(acme, acme.viewer).get("/agents/?site=front-desk")
    assert response.status_code == 200 and "front-desk" in response.content.decode()


@pytest.mark.parametrize(
    ("url", "field", "says"),
    [
        ("/api/v1/license-keys/?site=x", "site", "'x' is not an id"),
        ("/api/v1/snmp-credentials/?customer=7", "customer", "'7' is not an id"),
        ("/api/v1/directives/?kind=reboot", "kind", "'reboot' is not one of discover, read, status, test."),
        ("/api/v1/directives/?status=x", "status", "'x' is not one of pending, leased, done, failed, cancelled."),
    ],
)
def test_a_bad_filter_value_answers_400_with_the_reason(acme, url, field, says):
    answer = api_client_for(acme, acme.viewer).get(url)
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "invalid" and says in body["fields"][field][0]
