"""Any ?page= on a dealer's list shows a page: past the end the last one, not a number the first."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from agents.models import Customer
from agents.services.customers import customer_archive, customer_create
from portal.lib.pagination import ForgivingPageMixin
from tests.support.factories import make_agent, make_site
from tests.support.personas import client_for


def _customers(count: int, prefix: str) -> list[Customer]:
    return [customer_create(name=f"{prefix} {n:03d}") for n in range(count)]


@pytest.fixture
def two_pages_of_customers(acme):
    # Only this test's customers are active, so the pages are counted from known rows.
    for customer in Customer.objects.active():
        customer_archive(customer=customer)
    return _customers(51, "Paged Dental")


def test_customers_past_the_last_page_show_the_last_page(acme, two_pages_of_customers):
    response = client_for(acme, acme.viewer).get("/customers/?page=99")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Page 2 of 2" in page and "Paged Dental 050" in page and "Paged Dental 000" not in page


@pytest.mark.parametrize("value", ["abc", "0", "-3", "1.5", ""])
def test_customers_page_that_is_not_a_page_number_shows_the_first(acme, two_pages_of_customers, value):
    response = client_for(acme, acme.viewer).get(f"/customers/?page={value}")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Paged Dental 000" in page


def test_next_page_link_keeps_the_lists_other_choices(acme, two_pages_of_customers):
    page = client_for(acme, acme.viewer).get("/customers/?show=all&q=Paged").content.decode()
    assert "show=all" in page.split("Next →")[0].rsplit("href=", 1)[1]


def test_agents_past_the_last_page_show_the_last_page(acme):
    site = make_site(customer_name="Paged Agents")
    agent, _token = make_agent(site=site, hostname="paged-agent")
    response = client_for(acme, acme.viewer).get("/agents/?page=500")
    assert response.status_code == 200 and "paged-agent" in response.content.decode()
    assert client_for(acme, acme.viewer).get("/agents/?page=last").status_code == 200
    assert agent.hostname in client_for(acme, acme.viewer).get("/agents/?page=zz").content.decode()


def test_devices_past_the_last_page_answer_a_page(acme):
    assert client_for(acme, acme.viewer).get("/devices/?page=1000").status_code == 200
    assert client_for(acme, acme.viewer).get("/devices/?page=x", HTTP_HX_REQUEST="true").status_code == 200


def _views(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and hasattr(pattern.callback, "view_class"):
            yield pattern.callback.view_class


def test_every_paginated_dealer_list_forgives_its_page_number():
    """A list added later gets the same behaviour: any view that paginates must use ForgivingPageMixin."""
    paginated = {
        view for view in _views(get_resolver("portal.urls_dealer").url_patterns) if getattr(view, "paginate_by", None)
    }
    assert paginated, "the dealer's lists should be found"
    assert [view.__name__ for view in paginated if not issubclass(view, ForgivingPageMixin)] == []
