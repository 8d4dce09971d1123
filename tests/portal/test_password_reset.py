"""Forgot password? on the dealer's host: the emailed one-time link, a new password, signing in with it."""

import re
import uuid
from urllib.parse import urlsplit

from django.core import mail
from django.test import Client

from portal.accounts.services import RESET_EMAILS_PER_HOUR, user_create
from tests.support.personas import PASSWORD

NEW_PASSWORD = "a brand new password 77"


def _someone(acme):
    email = f"forgetful-{uuid.uuid4().hex[:8]}@acme.example"
    return user_create(email=email, password=PASSWORD, role="technician", full_name="Forgetful Fran")


def _ask(acme, email: str):
    mail.outbox = []
    return Client(HTTP_HOST=acme.host).post("/accounts/password/reset/", {"email": email}, follow=True)


def _link_in(message) -> str:
    return re.search(r"https?://\S+/accounts/password/reset/\S+/", message.body).group(0)


def test_sign_in_page_offers_forgot_password(acme):
    page = Client(HTTP_HOST=acme.host).get("/accounts/sign-in/").content.decode()
    assert "Forgot password?" in page and 'href="/accounts/password/reset/"' in page


def test_forgotten_password_reset_end_to_end(acme):
    user = _someone(acme)
    answer = _ask(acme, user.email)
    assert answer.status_code == 200 and "Check your email" in answer.content.decode()

    [message] = mail.outbox
    assert message.to == [user.email] and "Acme Copiers" in message.subject
    assert "Acme Copiers" in message.from_email
    html = message.alternatives[0][0]
    link = _link_in(message)
    assert link in html  # the HTML part carries the same link, in the project's email layout
    assert urlsplit(link).hostname == "acme.localhost"  # on the dealer's own host, as other emails' links are
    assert str(user.public_id) in link  # the user by public id, never the integer key

    browser = Client(HTTP_HOST=acme.host)
    form_page = browser.get(urlsplit(link).path, follow=True)
    assert "Set a new password" in form_page.content.decode()
    done = browser.post(
        form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )
    assert "Your new password is set. Sign in with it." in done.content.decode()

    signed_in = browser.post("/accounts/sign-in/", {"username": user.email, "password": NEW_PASSWORD})
    assert signed_in.status_code == 302 and signed_in.url == "/"
    old = Client(HTTP_HOST=acme.host).post("/accounts/sign-in/", {"username": user.email, "password": PASSWORD})
    assert old.status_code == 200  # the old password no longer opens it


def test_the_link_works_once(acme):
    user = _someone(acme)
    _ask(acme, user.email)
    path = urlsplit(_link_in(mail.outbox[0])).path
    browser = Client(HTTP_HOST=acme.host)
    form_page = browser.get(path, follow=True)
    browser.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    again = Client(HTTP_HOST=acme.host).get(path, follow=True)
    assert again.status_code == 404
    assert "This link no longer works" in again.content.decode() and "Email me a new link" in again.content.decode()


def test_a_weak_new_password_is_refused_with_the_reason(acme):
    user = _someone(acme)
    _ask(acme, user.email)
    browser = Client(HTTP_HOST=acme.host)
    form_page = browser.get(urlsplit(_link_in(mail.outbox[0])).path, follow=True)
    refused = browser.post(form_page.redirect_chain[-1][0], {"new_password1": "short1", "new_password2": "short1"})
    assert refused.status_code == 200 and "This password is too short" in refused.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_the_answer_does_not_tell_whether_the_address_is_a_user(acme, beta):
    user = _someone(acme)
    known = _ask(acme, user.email)
    assert len(mail.outbox) == 1
    for stranger in ["nobody@acme.example", "admin@beta.example"]:  # nobody at all; a user of another dealer
        unknown = _ask(acme, stranger)
        assert mail.outbox == []
        assert unknown.status_code == known.status_code == 200
        assert unknown.redirect_chain == known.redirect_chain
        assert unknown.content == known.content


def test_repeated_requests_stop_sending_after_a_few(acme):
    user = _someone(acme)
    sent = 0
    for _ in range(RESET_EMAILS_PER_HOUR + 2):
        answer = _ask(acme, user.email)
        assert "Check your email" in answer.content.decode()
        sent += len(mail.outbox)
    assert sent == RESET_EMAILS_PER_HOUR


def test_a_reset_clears_the_sign_in_lockout(acme):
    user = _someone(acme)
    client = Client(HTTP_HOST=acme.host)
    for _ in range(5):
        client.post("/accounts/sign-in/", {"username": user.email, "password": "wrong guess"})
    _ask(acme, user.email)
    browser = Client(HTTP_HOST=acme.host)
    form_page = browser.get(urlsplit(_link_in(mail.outbox[0])).path, follow=True)
    browser.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    signed_in = Client(HTTP_HOST=acme.host, REMOTE_ADDR="10.9.8.7").post(
        "/accounts/sign-in/", {"username": user.email, "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 302
