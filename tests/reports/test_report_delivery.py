"""A real worker builds the meter report and emails it once; the test opens the .xlsx like a dealer would."""

import io
import threading
import time
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from meters.choices import Lifecycle
from meters.models import Device
from reports.choices import EmailStatus
from reports.models import OutboundEmail, ReportRun
from reports.services.emails import Rendered, email_queue, email_send
from reports.services.runs import report_run_request
from tests.meters.ingest_support import discover, hours_ago, new_agent, read
from tests.reports.mail_files import attachments, sent_messages
from tests.support.factories import make_site

YELLOW, PINK = "FFFF00", "FFC0CB"


def wait_for(predicate, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.3)
    raise AssertionError("timed out waiting")


def fleet_for_report():
    """A customer in Tokyo with a new colour MFP and a stale device, read at the start and end of the period."""
    site = make_site(customer_name="Report Customer", time_zone="Asia/Tokyo")
    site.customer.report_emails = ["accounts@report.example", "boss@report.example"]
    site.customer.save()
    agent = new_agent(site=site)
    new = discover(agent, "konica_c250i", "10.5.0.1")
    read(agent, new, "konica_c250i", at=hours_ago(48))
    stale = discover(agent, "ricoh_mpc3002", "10.5.0.2")
    read(agent, stale, "ricoh_mpc3002", at=hours_ago(24 * 9))
    Device.objects.filter(pk=stale.pk).update(
        lifecycle=Lifecycle.STALE, first_seen_at=timezone.now() - timedelta(days=60)
    )
    return site, new, stale


def test_report_built_on_a_real_worker_and_emailed_once_with_the_xlsx(committed, celery_worker, live_env):
    with tenant_context(committed["acme"].dealer):
        site, new, stale = fleet_for_report()
        with transaction.atomic():
            run = report_run_request(
                customer=site.customer, start=timezone.now() - timedelta(days=7), requested_by="test"
            )
        email = wait_for(lambda: OutboundEmail.objects.filter(report_run=run, status=EmailStatus.SENT).first())
    assert sorted(email.recipients) == ["accounts@report.example", "boss@report.example"]
    # The report, once (the dealer may also have had the discovery's email about this customer's printers).
    report_subject = "Acme Copiers meter report: Report Customer"
    sent = sent_messages(Path(live_env["EMAIL_FILE_PATH"]))
    (message,) = [m for m in sent if m["Subject"].startswith(report_subject)]
    assert set(message["To"].replace(" ", "").split(",")) == set(email.recipients)
    ((name, data),) = attachments(message).items()
    assert name.endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(data))["Devices"]
    header = [cell.value for cell in sheet[1]]
    rows = {row[header.index("Serial")].value: row for row in sheet.iter_rows(min_row=2)}
    assert set(rows) == {new.serial, stale.serial}
    assert rows[new.serial][0].fill.fgColor.rgb[-6:] == YELLOW and rows[stale.serial][0].fill.fgColor.rgb[-6:] == PINK
    last_read = rows[new.serial][header.index("Last read")].value
    tokyo = new.last_read_at.astimezone(ZoneInfo("Asia/Tokyo")).replace(tzinfo=None, microsecond=0)
    assert abs((last_read - tokyo).total_seconds()) < 60  # a real date, in the site's zone
    assert rows[new.serial][header.index("Total")].value == new.latest_total


def test_asking_for_the_same_email_twice_stores_it_once(acme):
    rendered = Rendered("Acme: 1 new device found at X", "Hello,\n", "")
    email = email_queue(kind="new_devices", dedupe_key="same-key", recipients=["a@x.example"], rendered=rendered)
    again = email_queue(kind="new_devices", dedupe_key="same-key", recipients=["a@x.example"], rendered=rendered)
    assert again.pk == email.pk and OutboundEmail.objects.filter(dedupe_key="same-key").count() == 1


def test_a_retried_send_or_a_second_worker_never_sends_twice(committed, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    with tenant_context(committed["acme"].dealer):
        # Not through email_queue: the session's real worker would take the queued send before these threads.
        email = OutboundEmail.objects.create(
            kind="alert",
            dedupe_key=f"test-once-{time.time()}",
            recipients=["a@x.example"],
            subject="Toner low",
            text_body="low",
        )
        results: list[str] = []

        def send():
            try:
                with tenant_context(committed["acme"].dealer):
                    results.append(email_send(email_id=email.public_id))
            finally:
                connection.close()

        threads = [threading.Thread(target=send) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert email_send(email_id=email.public_id) == EmailStatus.SENT  # the task retried after the fact
    assert len(mail.outbox) == 1
    assert set(results) <= {EmailStatus.SENT, EmailStatus.SENDING} and EmailStatus.SENT in results


def test_beat_firing_twice_for_a_period_builds_one_report(committed):
    from reports.models import ReportSchedule
    from reports.services.schedules import schedule_save, schedules_dispatch_due

    with tenant_context(committed["acme"].dealer):
        site = make_site(customer_name="Twice Customer")
        schedule = schedule_save(
            schedule=ReportSchedule(customer=site.customer, cadence="weekly", weekday=0, hour=7),
            now=timezone.now() - timedelta(days=8),
        )
        due = schedule.next_run_at
        schedules_dispatch_due(now=due + timedelta(minutes=1))
        ReportSchedule.objects.filter(pk=schedule.pk).update(next_run_at=due, last_run_at=None)  # a replayed pass
        schedules_dispatch_due(now=due + timedelta(minutes=2))
        assert ReportRun.objects.filter(schedule=schedule, period_end=due).count() == 1
