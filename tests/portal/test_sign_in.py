from django.test import Client

from tests.support.personas import PASSWORD, client_for


def sign_in(host: str, email: str, password: str = PASSWORD):
    client = Client(HTTP_HOST=host)
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
    assert "Generate license key" not in page and "Archive" not in page
    assert viewer.get("/customers/new/").status_code == 403
    assert viewer.post(f"/sites/{site.public_id}/keys/", {"label": "x"}).status_code == 403
    assert site.license_keys.count() == 0
    admin_page = client_for(acme, acme.admin).get(f"/sites/{site.public_id}/").content.decode()
    assert "Generate license key" in admin_page


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
