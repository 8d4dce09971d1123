"""Error pages in the portal's look with a way back, and the favicon every browser asks for."""

from django.test import Client, RequestFactory
from django.views.defaults import server_error

from tests.support.personas import client_for


def test_missing_page_is_a_portal_page_with_a_way_back(acme):
    response = client_for(acme, acme.technician).get("/no/such/page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in page and 'class="topbar"' in page
    assert 'href="/"' in page and "Go to the overview" in page and "Acme Copiers" in page


def test_missing_page_before_sign_in_offers_sign_in(acme):
    page = Client(HTTP_HOST=acme.host).get("/customers/no-such-id/").content.decode()
    assert "Page not found" in page and 'href="/accounts/sign-in/"' in page


def test_missing_page_on_the_central_host_leads_to_its_start_page(db):
    response = Client(HTTP_HOST="localhost").get("/no/such/page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode() and "Go to the start page" in response.content.decode()


def test_api_clients_still_get_json_for_a_missing_address(acme):
    response = client_for(acme).get("/api/v1/nothing-here/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_forbidden_page_says_why_and_leads_back(acme):
    response = client_for(acme, acme.technician).get("/accounts/users/")
    page = response.content.decode()
    assert response.status_code == 403
    assert "You can't open this page" in page and "technician" in page and "Go to the overview" in page


def test_server_error_page_renders_with_no_context_at_all():
    """Django renders 500.html without the request's context: whatever failed may be what a context needs."""
    response = server_error(RequestFactory().get("/"))
    page = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in page and "app.css" in page and 'href="/"' in page


def test_expired_form_is_explained(acme):
    client = Client(HTTP_HOST=acme.host, enforce_csrf_checks=True)
    response = client.post("/accounts/sign-in/", {"username": "admin@acme.example", "password": "x"})
    assert response.status_code == 403 and "This form has expired" in response.content.decode()


def test_favicon_answers_on_dealer_and_central_hosts(acme):
    for host in [acme.host, "localhost"]:
        response = Client(HTTP_HOST=host).get("/favicon.ico")
        assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
        assert response.content[:4] == b"\x00\x00\x01\x00"  # an .ico file's signature
        assert "max-age" in response["Cache-Control"]


def test_pages_name_their_icon(acme):
    page = Client(HTTP_HOST=acme.host).get("/accounts/sign-in/").content.decode()
    assert '<link rel="icon" href="/static/portal/favicon.svg" type="image/svg+xml">' in page
    assert Client(HTTP_HOST=acme.host).get("/static/portal/favicon.svg").status_code == 200


def test_unknown_dealer_host_gets_the_portal_404_not_the_central_site(db):
    response = Client(HTTP_HOST="no-such-dealer.localhost").get("/")
    page = response.content.decode()
    assert response.status_code == 404 and "Page not found" in page and "admin" not in page.lower()
