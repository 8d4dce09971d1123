"""A report run says "Sent" only once its email has gone, says why when it failed, can be retried, and is
emailed once however often its tasks run; "Email report now" with the broker down says so and sends later."""

import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone
from django_tenants.utils import tenant_context

from meters.models import Device
from reports.choices import EmailStatus, RunStatus
from reports.models import OutboundEmail, ReportRun
from reports.services.runs import report_run_request, report_runs_requeue_stuck
from reports.tasks import run_report, send_email
from tests.meters.ingest_support import discover, new_agent
from tests.reports.mail_files import sent_messages
from tests.support.factories import make_site
from tests.support.live import free_tcp_port
from tests.support.personas import client_for
from tests.support.redis_server import celery_worker_on
from tests.support.waiting import wait_until


def report_state(client, customer) -> str:
    """The state column of the newest run on the customer's page, and its note, as a person reads them."""
    page = client.get(f"/customers/{customer.public_id}/").content.decode()
    section = page[page.index("Recent reports and emails") :]
    row = re.search(r"<tr><td>.*?</tr>", section, re.S).group(0)
    cells = re.findall(r"<td>(.*?)</td>", row, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", cells[2]).split())


def site_with_a_printer(customer_name: str):
    """A customer whose report lists one device (a report of none is not emailed to the customer)."""
    site = make_site(customer_name=customer_name)
    discover(new_agent(site=site), "konica_c250i", "10.9.0.1")
    return site


def requested_run(customer) -> ReportRun:
    return report_run_request(customer=customer, requested_by="test")  # queued on commit: never, in these tests


def test_a_report_shows_sent_only_once_its_email_is_in_the_outbox_and_is_sent_once(acme, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    site = site_with_a_printer("Outbox Customer")
    client = client_for(acme, acme.technician)
    run = requested_run(site.customer)
    assert report_state(client, site.customer) == "Pending"

    run_report(str(run.public_id))
    run_report(str(run.public_id))  # redelivered: built once, one email queued
    (email,) = OutboundEmail.objects.filter(report_run=run)
    assert mail.outbox == [] and report_state(client, site.customer) == "Emailing"

    send_email(str(email.public_id))
    assert len(mail.outbox) == 1 and report_state(client, site.customer) == "Sent"
    send_email(str(email.public_id))  # redelivered after sending
    run_report(str(run.public_id))
    assert len(mail.outbox) == 1 and ReportRun.objects.get(pk=run.pk).status == RunStatus.SENT


def test_a_failed_send_shows_its_error_and_a_retry_sends_it_once(acme, settings, redis_broker):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_tcp_port(), 2  # no server
    site = site_with_a_printer("Unlucky Customer")
    client = client_for(acme, acme.technician)
    run = requested_run(site.customer)
    run_report(str(run.public_id))
    email = OutboundEmail.objects.get(report_run=run)
    with pytest.raises(ConnectionRefusedError):  # the task retries it later, with back-off
        send_email(str(email.public_id))
    state = report_state(client, site.customer)
    assert state.startswith("Failed") and "ConnectionRefusedError" in state

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    retried = client.post(f"/reports/{run.public_id}/retry/", follow=True)  # queued on the private broker
    assert "being sent again" in retried.content.decode()
    assert report_state(client, site.customer) == "Emailing"
    send_email(str(email.public_id))  # what the queued task does
    send_email(str(email.public_id))
    assert len(mail.outbox) == 1 and report_state(client, site.customer) == "Sent"


def test_a_run_whose_builder_died_is_built_by_the_next_delivery(acme, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    site = site_with_a_printer("Killed Worker Customer")
    run = requested_run(site.customer)
    ReportRun.objects.filter(pk=run.pk).update(status=RunStatus.BUILDING)  # claimed, then the worker was killed
    run_report(str(run.public_id))
    run.refresh_from_db()
    assert run.filename and OutboundEmail.objects.filter(report_run=run).count() == 1


def test_email_report_now_with_the_broker_down_says_try_again_shortly_and_sends_once_it_is_back(
    committed, redis_broker, live_env, tmp_path
):
    acme = committed["acme"]
    with tenant_context(acme.dealer):
        customer = site_with_a_printer(f"Broker Down {time.time_ns()}").customer
    client = client_for(acme, acme.technician)
    redis_broker.stop()
    clicks = [client.post(f"/customers/{customer.public_id}/email-report/", follow=True) for _ in range(2)]
    assert all("try again shortly" in click.content.decode() for click in clicks)
    assert "Waiting for the task queue" in report_state(client, customer)

    redis_broker.start()
    with tenant_context(acme.dealer), celery_worker_on(live_env, redis_broker.url(0), tmp_path / "worker.log"):
        (run,) = ReportRun.objects.filter(customer=customer)  # two clicks, one run
        assert report_runs_requeue_stuck(now=timezone.now() + timedelta(minutes=5)) >= 1  # beat's sweep
        wait_until(lambda: ReportRun.objects.get(pk=run.pk).status == RunStatus.SENT)
        assert report_runs_requeue_stuck(now=timezone.now() + timedelta(minutes=5)) == 0
        email = OutboundEmail.objects.get(report_run=run)
    assert email.status == EmailStatus.SENT
    subject = f"meter report: {customer.name}"  # the printer's discovery also emailed "1 new device at …"
    sent = [m for m in sent_messages(Path(live_env["EMAIL_FILE_PATH"])) if subject in m["Subject"]]
    assert len(sent) == 1 and report_state(client, customer) == "Sent"
    with tenant_context(acme.dealer):
        Device.objects.filter(site__customer=customer).delete()  # committed data: later tests count devices
