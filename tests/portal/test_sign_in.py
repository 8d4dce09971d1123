import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.db import connection
from django.db.models import F
from django.test import Client, override_settings
from django_tenants.utils import schema_context

from tests.support.personas import PASSWORD, client_for


def sign_in(host: str, email: str, password: str = PASSWORD, **headers):
    client = Client(HTTP_HOST=host, **headers)
    response = client.post("/accounts/sign-in/", {"username": email, "password": password})
    return client, response


def test_staff_sign_in_at_their_dealer_host_and_see_the_overview(acme):
    client, response = sign_in(acme.host, "admin@acme.example")
    assert response.status_code == 302 and response.url == "/"
    page = client.get("/")
    assert page.status_code == 200
    assert "Acme Copiers" in page.content.decode()


def test_a_user_of_dealer_b_cannot_sign_in_at_dealer_a(acme, beta):
    _client, response = sign_in(acme.host, "admin@beta.example")
    assert response.status_code == 200  # the form again
    assert "correct email" in response.content.decode()


def test_wrong_password_is_refused(acme):
    _client, response = sign_in(acme.host, "admin@acme.example", "not the password")
    assert response.status_code == 200
    assert "_auth_user_id" not in _client.session


def test_pages_need_sign_in(acme):
    response = Client(HTTP_HOST=acme.host).get("/customers/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/sign-in/")


def test_sign_out_ends_the_session(acme):
    client = client_for(acme, acme.technician)
    assert client.get("/customers/").status_code == 200
    client.post("/accounts/sign-out/")
    assert client.get("/customers/").status_code == 302


def test_password_change(acme):
    from portal.accounts.services import user_create

    user = user_create(email="changer@acme.example", password=PASSWORD, role="viewer")
    client = client_for(acme, user)
    response = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "another long password 7",
            "new_password2": "another long password 7",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("another long password 7")


def test_viewer_sees_no_edit_controls_and_cannot_post(acme):
    from tests.support.factories import make_site

    site = make_site()
    viewer = client_for(acme, acme.viewer)
    page = viewer.get(f"/sites/{site.public_id}/").content.decode()
    assert "Generate licence key" not in page and "Archive" not in page
    assert viewer.get("/customers/new/").status_code == 403
    assert viewer.post(f"/sites/{site.public_id}/keys/", {"label": "x"}).status_code == 403
    assert site.license_keys.count() == 0
    admin_page = client_for(acme, acme.admin).get(f"/sites/{site.public_id}/").content.decode()
    assert "Generate licence key" in admin_page


def test_only_admins_manage_users(acme):
    tech = client_for(acme, acme.technician)
    assert tech.get("/accounts/users/").status_code == 403
    admin = client_for(acme, acme.admin)
    response = admin.post(
        "/accounts/users/",
        {"email": "New.Tech@acme.example", "role": "technician", "password": "a long password 99", "full_name": "N"},
    )
    assert response.status_code == 302
    _client, signed_in = sign_in(acme.host, "new.tech@acme.example", "a long password 99")
    assert signed_in.status_code == 302


# --- password guessing ---------------------------------------------------------------------------------------------


def guesses(host: str, email: str, count: int, address: str) -> list[int]:
    return [sign_in(host, email, f"guess {n}", REMOTE_ADDR=address)[1].status_code for n in range(count)]


def attempts_made_earlier(email: str, minutes: int) -> None:
    """Moves an account's attempts into the past, as if that much time had gone by."""
    from portal.accounts.models import SignInAttempt

    SignInAttempt.objects.filter(email=email).update(attempted_at=F("attempted_at") - timedelta(minutes=minutes))


def test_five_wrong_passwords_lock_the_account_and_say_when_to_try_again(acme, caplog):
    caplog.set_level(logging.INFO, logger="portal.accounts.lockout")
    assert guesses(acme.host, "admin@acme.example", 5, "203.0.113.71") == [200] * 5
    attempts_made_earlier("admin@acme.example", 3)
    client, response = sign_in(acme.host, "admin@acme.example", PASSWORD, REMOTE_ADDR="203.0.113.72")
    assert response.status_code == 429  # the right password, from another address: still refused
    assert "Too many sign-in attempts. Try again in 12 minutes" in response.content.decode()
    assert 700 < int(response["Retry-After"]) <= 720
    assert "_auth_user_id" not in client.session
    assert "admin@acme.example" in caplog.text and "locked" in caplog.text
    assert "guess" not in caplog.text and PASSWORD not in caplog.text
    attempts_made_earlier("admin@acme.example", 12)
    _client, response = sign_in(acme.host, "admin@acme.example", PASSWORD, REMOTE_ADDR="203.0.113.72")
    assert response.status_code == 302  # the window has passed


def test_a_successful_sign_in_clears_the_accounts_failures(acme):
    assert guesses(acme.host, "tech@acme.example", 4, "203.0.113.73") == [200] * 4
    assert sign_in(acme.host, "tech@acme.example", REMOTE_ADDR="203.0.113.73")[1].status_code == 302
    assert guesses(acme.host, "tech@acme.example", 4, "203.0.113.73") == [200] * 4
    assert sign_in(acme.host, "tech@acme.example", REMOTE_ADDR="203.0.113.73")[1].status_code == 302


def test_one_address_guessing_many_accounts_is_locked_out(acme):
    for n in range(5):
        assert guesses(acme.host, f"nobody{n}@acme.example", 4, "203.0.113.74") == [200] * 4
    _client, response = sign_in(acme.host, "viewer@acme.example", REMOTE_ADDR="203.0.113.74")
    assert response.status_code == 429 and "Try again in 15 minutes" in response.content.decode()
    assert sign_in(acme.host, "viewer@acme.example", REMOTE_ADDR="203.0.113.75")[1].status_code == 302


def test_the_lockout_holds_without_the_cache(acme):
    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}):
        guesses(acme.host, "viewer@acme.example", 5, "203.0.113.76")
        assert sign_in(acme.host, "viewer@acme.example", REMOTE_ADDR="203.0.113.76")[1].status_code == 429


def test_a_burst_of_parallel_guesses_gets_no_more_than_five(committed):
    from portal.accounts.models import SignInAttempt

    acme, email, address = committed["acme"], f"burst-{uuid.uuid4().hex[:8]}@acme.example", "198.18.0.77"

    def guess(n: int) -> int:
        try:
            return sign_in(acme.host, email, f"guess {n}", REMOTE_ADDR=address)[1].status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(guess, range(16)))
    with schema_context(acme.dealer.schema_name):
        SignInAttempt.objects.filter(email=email).delete()
    assert codes.count(200) <= 5 and codes.count(429) >= 11, codes


def test_operators_admin_sign_in_is_locked_the_same_way(acme):
    from portal.accounts.models import User

    with schema_context("public"):
        User.objects.create_superuser(email="operator@meterbridge.example", password=PASSWORD)
    client = Client(HTTP_HOST="localhost", REMOTE_ADDR="203.0.113.78")
    for n in range(5):
        client.post("/admin/login/", {"username": "operator@meterbridge.example", "password": f"guess {n}"})
    response = client.post("/admin/login/", {"username": "operator@meterbridge.example", "password": PASSWORD})
    assert response.status_code == 200 and "Too many sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
