"""The dealer REST API, as a dealer's ERP integration uses it: personal tokens, roles, keys shown once."""

from agents.models import Customer, LicenseKey
from portal.accounts.services import api_token_create
from tests.support.factories import make_site
from tests.support.personas import api_client_for, client_for


def test_token_authenticated_crud_of_customers_and_sites(acme):
    client = api_client_for(acme, acme.technician)
    created = client.post(
        "/api/v1/customers/",
        {"name": "ERP Customer", "report_emails": ["a@erp.example"]},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    customer_id = created.json()["id"]
    site = client.post(
        "/api/v1/sites/",
        {"customer": customer_id, "name": "Plant 2", "time_zone": "Asia/Tokyo"},
        content_type="application/json",
    )
    assert site.status_code == 201, site.content
    listed = client.get(f"/api/v1/sites/?customer={customer_id}").json()
    assert [s["name"] for s in listed["results"]] == ["Plant 2"]
    patched = client.patch(
        f"/api/v1/customers/{customer_id}/", {"account_number": "C-1001"}, content_type="application/json"
    )
    assert patched.json()["account_number"] == "C-1001"
    assert client.delete(f"/api/v1/customers/{customer_id}/").status_code == 403  # archiving: admins by default
    assert api_client_for(acme, acme.admin).delete(f"/api/v1/customers/{customer_id}/").status_code == 204
    assert Customer.objects.get(public_id=customer_id).archived_at is not None


def test_license_key_created_over_the_api_is_returned_once(acme):
    client = api_client_for(acme, acme.admin)
    site = make_site()
    created = client.post(
        "/api/v1/license-keys/", {"site": str(site.public_id), "label": "erp"}, content_type="application/json"
    )
    assert created.status_code == 201
    key_text = created.json()["key"]
    assert key_text.startswith("mbl_acme_")
    key_id = created.json()["id"]
    install = created.json()["install"]  # what the technician pastes at the site, with this key
    assert f"install-linux.sh | sudo sh -s -- --key {key_text}" in install["linux"]
    assert f"-Key '{key_text}'" in install["windows"] and install["agent_url"].endswith("/meterbridge-agent.pyz")
    assert client.get(install["checksum_url"]).status_code == 200
    assert client.get(f"/api/v1/license-keys/{key_id}/").json()["key"] is None
    assert client.get(f"/api/v1/license-keys/{key_id}/").json()["install"] is None
    assert client.post(f"/api/v1/license-keys/{key_id}/revoke/").json()["state"] == "revoked"
    assert LicenseKey.objects.get(public_id=key_id).revoked_at is not None


def test_viewer_token_reads_but_cannot_write(acme):
    client = api_client_for(acme, acme.viewer)
    assert client.get("/api/v1/customers/").status_code == 200
    response = client.post("/api/v1/customers/", {"name": "Nope"}, content_type="application/json")
    assert response.status_code == 403
    assert not Customer.objects.filter(name="Nope").exists()


def test_invalid_or_revoked_token_is_401_with_a_sentence(acme):
    from portal.accounts.services import api_token_revoke

    token, text = api_token_create(user=acme.admin, name="old")
    api_token_revoke(token=token)
    client = client_for(acme)
    for value in (f"Token {text}", "Token mbu_aaaaaaaa_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"):
        response = client.get("/api/v1/customers/", HTTP_AUTHORIZATION=value)
        assert response.status_code == 401
        assert response.json()["detail"] == "This API token is not valid for this dealer."


def test_validation_errors_name_the_field(acme):
    client = api_client_for(acme, acme.admin)
    response = client.post(
        "/api/v1/sites/", {"name": "No customer", "time_zone": "Nowhere/Land"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert {"customer", "time_zone"} <= set(response.json()["fields"])


def test_api_tokens_page_shows_a_new_token_once(acme):
    client = client_for(acme, acme.technician)
    page = client.post("/accounts/tokens/", {"name": "billing"}).content.decode()
    assert "mbu_" in page
    assert "mbu_" not in client.get("/accounts/tokens/").content.decode()


def test_dealer_openapi_schema_lists_the_dealer_api(acme):
    client = client_for(acme, acme.viewer)
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    assert "/api/v1/customers/" in paths and "/api/v1/license-keys/{public_id}/revoke/" in paths
