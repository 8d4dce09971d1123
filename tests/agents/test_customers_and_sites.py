from agents.models import Customer, Site
from tests.support.factories import make_agent, make_site
from tests.support.personas import client_for


def test_dealer_creates_a_customer_and_a_site_in_the_pages(acme):
    client = client_for(acme, acme.technician)
    response = client.post(
        "/customers/new/",
        {
            "name": "Contoso Ltd",
            "contact_email": "boss@contoso.example",
            "report_emails": "a@contoso.example, b@contoso.example",
        },
    )
    customer = Customer.objects.get(name="Contoso Ltd")
    assert customer.report_emails == ["a@contoso.example", "b@contoso.example"]
    assert response.url == f"/customers/{customer.public_id}/sites/new/"
    response = client.post(
        response.url, {"name": "Berlin office", "time_zone": "Europe/Berlin", "scan_rate_limit": 0, "snmp_port": 161}
    )
    site = Site.objects.get(customer=customer)
    assert response.url == f"/sites/{site.public_id}/"
    page = client.get(response.url).content.decode()
    assert "Berlin office" in page and "Europe/Berlin" in page
    assert "Contoso Ltd" in client.get("/customers/").content.decode()


def test_bad_report_email_and_bad_time_zone_are_explained(acme):
    client = client_for(acme, acme.technician)
    page = client.post("/customers/new/", {"name": "X", "report_emails": "not-an-email"}).content.decode()
    assert "is not an email address" in page
    customer = Customer.objects.create(name="Y")
    page = client.post(f"/customers/{customer.public_id}/sites/new/", {"name": "S", "time_zone": "Mars/Base"})
    assert "Select a valid choice" in page.content.decode()
    assert not customer.sites.exists()


def test_editing_a_customer_keeps_its_id(acme):
    site = make_site(customer_name="Fabrikam")
    client = client_for(acme, acme.admin)
    customer = site.customer
    client.post(f"/customers/{customer.public_id}/edit/", {"name": "Fabrikam GmbH", "report_emails": ""})
    customer.refresh_from_db()
    assert customer.name == "Fabrikam GmbH"


def test_archiving_a_customer_switches_off_its_keys_and_agents_but_keeps_them(acme):
    agent, _token = make_agent()
    customer = agent.site.customer
    client = client_for(acme, acme.admin)
    client.post(f"/customers/{customer.public_id}/archive/")
    customer.refresh_from_db()
    agent.refresh_from_db()
    assert customer.archived_at and agent.revoked_at
    assert agent.site.license_keys.filter(revoked_at__isnull=True).count() == 0
    link = f"/customers/{customer.public_id}/"
    assert link not in client.get("/customers/").content.decode()
    assert link in client.get("/customers/?show=all").content.decode()


def test_customer_search(acme):
    make_site(customer_name="Northwind")
    make_site(customer_name="Tailspin")
    page = client_for(acme, acme.viewer).get("/customers/?q=northw").content.decode()
    assert "Northwind" in page and "Tailspin" not in page
