"""Forgot password? on the dealer's host: the emailed one-time link, a new password, signing in with it.

The request only queues the email; a real worker sends it (as files, read like a mailbox), so the answer takes as
long for a user's address as for an unknown one."""

import base64
import json
import logging
import re
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client

from portal.accounts.services import RESET_EMAILS_PER_HOUR, user_create
from portal.lib.urls import dealer_origin
from portal.queues import EMAIL, queue_name
from tests.reports.mail_files import sent_messages
from tests.support.personas import PASSWORD, in_schema
from tests.support.redis_server import celery_worker_on
from tests.support.waiting import wait_until

NEW_PASSWORD = "a brand new password 77"
SUBJECT = "set a new password"


def _someone(acme):
    email = f"forgetful-{uuid.uuid4().hex[:8]}@acme.example"
    with in_schema(acme):
        return user_create(email=email, password=PASSWORD, role="technician", full_name="Forgetful Fran")


def _ask(acme, email: str):
    mail.outbox = []
    return Client(HTTP_HOST=acme.host).post("/accounts/password/reset/", {"email": email}, follow=True)


def _resets_to(live_env, email: str) -> list:
    """The reset emails a worker has sent to `email` so far."""
    mails = sent_messages(Path(live_env["EMAIL_FILE_PATH"]))
    return [m for m in mails if m["To"] == email and SUBJECT in m["Subject"]]


def _reset_to(live_env, email: str):
    """The one reset email to `email`, once the worker has sent it."""
    [message] = wait_until(lambda: _resets_to(live_env, email))
    return message


def _parts(message) -> dict[str, str]:
    parts = [part for part in message.walk() if not part.is_multipart()]
    return {part.get_content_type(): part.get_payload(decode=True).decode() for part in parts}


def _link_in(message) -> str:
    return re.search(r"https?://\S+/accounts/password/reset/\S+/", _parts(message)["text/plain"]).group(0)


@pytest.fixture
def acme(committed, celery_worker):
    """Dealer A, committed (the worker that sends the email must see the user the test made), with a worker."""
    return committed["acme"]


def test_sign_in_page_offers_forgot_password(acme):
    page = Client(HTTP_HOST=acme.host).get("/accounts/sign-in/").content.decode()
    assert "Forgot password?" in page and 'href="/accounts/password/reset/"' in page


def test_forgotten_password_reset_end_to_end(acme, live_env):
    user = _someone(acme)
    answer = _ask(acme, user.email)
    assert answer.status_code == 200 and "Check your email" in answer.content.decode()

    message = _reset_to(live_env, user.email)
    assert "Acme Copiers" in message["Subject"] and "Acme Copiers" in message["From"]
    link = _link_in(message)
    assert link in _parts(message)["text/html"]  # the HTML part carries the same link, in the email layout
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


def test_the_link_works_once(acme, live_env):
    user = _someone(acme)
    _ask(acme, user.email)
    path = urlsplit(_link_in(_reset_to(live_env, user.email))).path
    browser = Client(HTTP_HOST=acme.host)
    form_page = browser.get(path, follow=True)
    browser.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    again = Client(HTTP_HOST=acme.host).get(path, follow=True)
    assert again.status_code == 404
    assert "This link no longer works" in again.content.decode() and "Email me a new link" in again.content.decode()


def test_a_weak_new_password_is_refused_with_the_reason(acme, live_env):
    user = _someone(acme)
    _ask(acme, user.email)
    browser = Client(HTTP_HOST=acme.host)
    form_page = browser.get(urlsplit(_link_in(_reset_to(live_env, user.email))).path, follow=True)
    refused = browser.post(form_page.redirect_chain[-1][0], {"new_password1": "short1", "new_password2": "short1"})
    assert refused.status_code == 200 and "This password is too short" in refused.content.decode()
    with in_schema(acme):
        user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_the_answer_does_not_tell_whether_the_address_is_a_user(acme, live_env):
    strangers = [f"nobody-{uuid.uuid4().hex[:8]}@acme.example", "admin@beta.example"]  # nobody; another dealer's
    unknown = [_ask(acme, stranger) for stranger in strangers]
    user = _someone(acme)
    known = _ask(acme, user.email)
    for answer in unknown:
        assert answer.status_code == known.status_code == 200
        assert answer.redirect_chain == known.redirect_chain
        assert answer.content == known.content
    _reset_to(live_env, user.email)  # asked last, sent last: anything queued for the strangers went before it
    assert [_resets_to(live_env, stranger) for stranger in strangers] == [[], []]


def test_repeated_requests_stop_sending_after_a_few(acme, live_env):
    user, last = _someone(acme), _someone(acme)
    for _ in range(RESET_EMAILS_PER_HOUR + 2):
        answer = _ask(acme, user.email)
        assert "Check your email" in answer.content.decode()
    _ask(acme, last.email)
    _reset_to(live_env, last.email)  # asked last, sent last: every email queued for `user` went before it
    assert len(_resets_to(live_env, user.email)) == RESET_EMAILS_PER_HOUR


def test_a_reset_clears_the_sign_in_lockout(acme, live_env):
    user = _someone(acme)
    client = Client(HTTP_HOST=acme.host)
    for _ in range(5):
        client.post("/accounts/sign-in/", {"username": user.email, "password": "wrong guess"})
    _ask(acme, user.email)
    browser = Client(HTTP_HOST=acme.host)
    form_page = browser.get(urlsplit(_link_in(_reset_to(live_env, user.email))).path, follow=True)
    browser.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    signed_in = Client(HTTP_HOST=acme.host, REMOTE_ADDR="10.9.8.7").post(
        "/accounts/sign-in/", {"username": user.email, "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 302


def _queued_args(broker, prefix: str) -> list[list]:
    """The arguments of each task waiting in the email queue (kombu's Redis message: JSON, body in base64)."""
    raw = broker.client(0).lrange(queue_name(prefix, EMAIL), 0, -1)
    return [json.loads(base64.b64decode(json.loads(message)["body"]))[0] for message in raw]


def test_the_request_only_queues_the_user_id_and_a_worker_sends_the_email(committed, redis_broker, live_env, tmp_path):
    acme = committed["acme"]
    user = _someone(acme)
    answer = _ask(acme, user.email)
    assert "Check your email" in answer.content.decode()
    assert mail.outbox == []  # the request sent nothing itself: its time does not depend on the mail server
    queued = _queued_args(redis_broker, live_env["MB_CELERY_QUEUE"])
    # The user's id and the portal's address only: no email address, token or link waits in the broker.
    assert queued == [[str(user.public_id), dealer_origin("acme")]]
    assert _resets_to(live_env, user.email) == []

    with celery_worker_on(live_env, redis_broker.url(0), tmp_path / "email.log", kinds=(EMAIL,)):
        message = _reset_to(live_env, user.email)
    assert str(user.public_id) in _link_in(message)


def test_with_the_broker_down_the_answer_is_the_same_and_a_warning_is_logged(committed, redis_broker, caplog):
    acme = committed["acme"]
    user = _someone(acme)
    unknown = _ask(acme, f"nobody-{uuid.uuid4().hex[:8]}@acme.example")
    with redis_broker.down(), caplog.at_level(logging.WARNING, logger="portal.lib.queue"):
        known = _ask(acme, user.email)
    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain and known.content == unknown.content
    assert mail.outbox == []
    [warning] = [r.getMessage() for r in caplog.records if "send_password_reset" in r.getMessage()]
    assert "not queued: broker unreachable" in warning and str(user.public_id) in warning
