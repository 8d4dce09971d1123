"""Users -> Add user: refused input shows the form again with the reason, and creates nobody."""

import pytest

from portal.accounts.models import User
from tests.support.personas import PASSWORD, client_for

FORM = {"email": "new.tech@acme.example", "full_name": "New Tech", "role": "technician", "password": PASSWORD}


def _add(acme, **fields):
    return client_for(acme, acme.admin).post("/accounts/users/", {**FORM, **fields})


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"password": "short1"}, "This password is too short"),
        ({"email": "tech@acme.example"}, "A user with this email exists already."),
        ({"email": "TECH@acme.example", "password": "short1"}, "This password is too short"),
    ],
    ids=["short-password", "existing-email", "both"],
)
def test_refused_new_user_gets_the_form_back_with_the_reason(acme, fields, reason):
    before = User.objects.count()
    response = _add(acme, **fields)
    page = response.content.decode()
    assert response.status_code == 200
    assert reason in page
    assert 'name="email"' in page and "Add user" in page  # the form again, ready to correct
    assert User.objects.count() == before


def test_both_reasons_are_shown_at_once(acme):
    page = _add(acme, email="tech@acme.example", password="short1").content.decode()
    assert "A user with this email exists already." in page and "This password is too short" in page


def test_the_refused_form_keeps_what_was_typed_but_not_the_password(acme):
    page = _add(acme, password="short1").content.decode()
    assert 'value="new.tech@acme.example"' in page and 'value="New Tech"' in page
    assert "short1" not in page


def test_a_valid_user_is_added_and_can_sign_in(acme):
    response = _add(acme)
    assert response.status_code == 302 and response.url == "/accounts/users/"
    user = User.objects.get(email="new.tech@acme.example")
    assert user.role == "technician" and user.check_password(PASSWORD)
