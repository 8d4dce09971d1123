import re
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from agents.models import LicenseKey
from tests.support.factories import make_site
from tests.support.personas import client_for

KEY_RE = re.compile(r"mbl_acme_[a-z2-7]{8}_[a-z2-7]{32}")


def generate_in_page(acme, site):
    client = client_for(acme, acme.admin)  # technicians only where the dealer allows it (tests/portal/test_abuse.py)
    client.post(f"/sites/{site.public_id}/keys/", {"label": "reception PC"})
    return client, client.get(f"/sites/{site.public_id}/").content.decode()


def database_contains(text: str) -> bool:
    """Looks for `text` in every row of every table of the current schema and public."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema IN (%s, 'public') AND table_type = 'BASE TABLE'",
            [connection.schema_name],
        )
        tables = cursor.fetchall()
        for schema, table in tables:
            query = f'SELECT count(*) FROM "{schema}"."{table}" t WHERE row_to_json(t)::text LIKE %s'  # noqa: S608
            cursor.execute(query, [f"%{text}%"])
            if cursor.fetchone()[0]:
                return True
    return False


def test_key_is_shown_once_and_only_its_hash_is_stored(acme):
    site = make_site()
    client, first_view = generate_in_page(acme, site)
    shown = KEY_RE.findall(first_view)
    assert len(set(shown)) == 1  # one key (also filled into the install steps)
    key_text = shown[0]
    assert KEY_RE.search(client.get(f"/sites/{site.public_id}/").content.decode()) is None  # never again
    key = LicenseKey.objects.get(site=site)
    prefix, secret = key_text.split("_")[2:]
    assert key.prefix == prefix and prefix in first_view
    assert not database_contains(secret)
    assert key.created_by == acme.admin and key.state == "active"


def test_key_list_shows_prefix_creator_time_last_use_and_state(acme):
    from agents.services.enrolment import agent_enroll

    site = make_site()
    _client, page = generate_in_page(acme, site)
    agent_enroll(license_key=KEY_RE.search(page).group(0), hostname="pc-1")
    key = LicenseKey.objects.get(site=site)
    assert key.last_used_at is not None
    page = client_for(acme, acme.viewer).get(f"/sites/{site.public_id}/").content.decode()
    assert key.prefix in page and "admin@acme.example" in page and "active" in page


def test_revoked_key_is_refused_by_the_agent_api(acme, client):
    site = make_site()
    admin, page = generate_in_page(acme, site)
    key_text = KEY_RE.search(page).group(0)
    key = LicenseKey.objects.get(site=site)
    admin.post(f"/keys/{key.public_id}/revoke/")
    key.refresh_from_db()
    assert key.state == "revoked"
    response = client.post(
        "/agent/v1/enroll", {"license_key": key_text, "hostname": "pc"}, content_type="application/json"
    )
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_expired_key_is_refused(acme, client):
    from agents.services.keys import license_key_generate

    _key, text = license_key_generate(site=make_site(), expires_at=timezone.now() - timedelta(minutes=1))
    response = client.post("/agent/v1/enroll", {"license_key": text, "hostname": "pc"}, content_type="application/json")
    assert response.status_code == 401
    assert response.json() == {
        "detail": "This licence key has expired. Ask the dealer for a new one.",
        "code": "expired",
    }
