"""Report runs: build the workbook for a period, keep it, and email it once.

A run is `pending` until a worker builds it, `building` while it is built and then while its email waits to go
(the page says "Emailing" once the workbook exists), `sent` only once the email has gone, and `failed` with the
reason otherwise; a failed run can be retried. No step assumes its task ran once: the build holds the run's row
lock (a second delivery skips it; one after a killed worker takes over), and the email row is claimed before
each send (emails.py). Runs whose queueing failed (broker down) are queued again by report_runs_requeue_stuck.
"""

from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from agents.models import Customer, Site
from portal.lib.email import dealer_addresses
from portal.lib.queue import task_send
from portal.lib.urls import absolute_url
from reports.choices import EmailKind, EmailStatus, RunStatus
from reports.excel.builder import build_report, report_filename
from reports.excel.summary import summarize
from reports.models import OutboundEmail, ReportRun, ReportSchedule
from reports.selectors import report_device_count, report_input
from reports.services.emails import SEND_EMAIL_TASK, email_queue, render_email

RUN_REPORT_TASK = "reports.tasks.run_report"
QUEUE_DOWN = "Waiting for the task queue, which is not answering: it will be sent as soon as the queue is back."
EMPTY_NOTE = "No devices to report: not sent to the customer; the dealer was emailed a notice instead."
STUCK_AFTER = timedelta(minutes=2)  # a run's own queueing happens right after its commit
SAME_CLICK_WINDOW = timedelta(minutes=30)  # "Email report now" again while the first still waits: the same run
SWEEP_BATCH = 100


def report_now_refusal(customer: Customer) -> tuple[str, str] | None:
    """Why "Email report now" cannot go ahead, the same for the page and the API: (field, reason), or None."""
    if not customer.report_emails:
        return "report_emails", f"{customer.name} has no report recipients yet: add them first."
    if not report_device_count(customer=customer):
        return "devices", (
            f"{customer.name} has no monitored devices yet, so its report would be empty: nothing was emailed. "
            "Install the agent at its site first; scheduled reports wait for devices the same way and email you a "
            "notice instead."
        )
    return None


def report_recipients(*, customer: Customer, copy_dealer: bool) -> list[str]:
    recipients = list(customer.report_emails)
    if copy_dealer:
        recipients += dealer_addresses(connection.tenant)
    return recipients


def report_run_request(
    *,
    customer: Customer,
    site: Site | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    requested_by: str = "schedule",
    schedule: ReportSchedule | None = None,
    copy_dealer: bool = False,
) -> ReportRun:
    """Creates the run (once per schedule and period) and queues its building when the transaction commits.

    A request made while the same report still waits to be built (the queue was down, or a double click) is
    that run, queued again: asking twice never emails twice. If the queue cannot be reached the run stays
    pending with QUEUE_DOWN as its note, and the sweep queues it later.
    """
    end = end or timezone.now()
    recipients = report_recipients(customer=customer, copy_dealer=copy_dealer)
    run = None if schedule else _waiting_run(customer=customer, site=site, recipients=recipients, now=end)
    if run is None:
        run = ReportRun(
            customer=customer,
            site=site,
            schedule=schedule,
            period_start=start or end - timedelta(days=30),
            period_end=end,
            requested_by=requested_by,
            recipients=recipients,
        )
        try:
            with transaction.atomic():
                run.save()
        except IntegrityError:  # beat fired twice for this schedule and period
            return ReportRun.objects.get(schedule=schedule, period_end=end)
    transaction.on_commit(lambda: report_run_enqueue(run=run))
    return run


def _waiting_run(*, customer: Customer, site: Site | None, recipients: list[str], now: datetime) -> ReportRun | None:
    return (
        ReportRun.objects.filter(customer=customer, site=site, schedule=None, recipients=recipients)
        .filter(status=RunStatus.PENDING, created_at__gte=now - SAME_CLICK_WINDOW)
        .defer("workbook")
        .first()
    )


def report_run_enqueue(*, run: ReportRun) -> bool:
    """Queues the building of a run; False, with the run's note saying why, when the broker is unreachable."""
    queued = task_send(RUN_REPORT_TASK, str(run.public_id))
    note = "" if queued else QUEUE_DOWN
    if run.error != note:  # a worker may have started it already: only a waiting run's note changes
        run.error = note
        ReportRun.objects.filter(pk=run.pk, status=RunStatus.PENDING, error__in=["", QUEUE_DOWN]).update(error=note)
    return queued


def report_run_queue_failed(run: ReportRun) -> bool:
    """Whether asking for this run just now found the queue down (the page then says "try again shortly")."""
    return run.status == RunStatus.PENDING and run.error == QUEUE_DOWN


def report_runs_requeue_stuck(*, now: datetime | None = None) -> int:
    """Beat: runs still waiting to be built a few minutes after they were asked for (their queueing failed, or a
    worker died building them) are queued again. A run being built holds its lock: its copy is skipped."""
    now = now or timezone.now()
    stuck = ReportRun.objects.filter(
        status__in=[RunStatus.PENDING, RunStatus.BUILDING], filename="", created_at__lt=now - STUCK_AFTER
    )
    return sum(report_run_enqueue(run=run) for run in stuck.only("pk", "public_id", "error")[:SWEEP_BATCH])


def report_run_execute(*, run: ReportRun) -> ReportRun:
    """Builds and stores the workbook and queues its email, once. Safe to run twice, and after a killed worker."""
    ReportRun.objects.filter(pk=run.pk, filename="", status__in=[RunStatus.PENDING, RunStatus.FAILED]).update(
        status=RunStatus.BUILDING, error=""
    )
    try:
        with transaction.atomic():
            building = _lock_for_building(run)
            if building is not None:
                _build_and_queue_email(building)
    except Exception as exc:
        _fail(run.pk, f"{type(exc).__name__}: {exc}")  # after the rollback: the reason outlives the build
        raise
    run.refresh_from_db()
    return run


def _lock_for_building(run: ReportRun) -> ReportRun | None:
    """The run, locked until the build commits; None when it is built already or another worker holds it."""
    return (
        ReportRun.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("customer", "site")
        .filter(pk=run.pk, filename="", status=RunStatus.BUILDING)
        .first()
    )


def _build_and_queue_email(run: ReportRun) -> None:
    data = report_input(customer=run.customer, site=run.site, start=run.period_start, end=run.period_end)
    if not data.devices:  # an empty report tells the customer nothing: no workbook, the dealer hears why instead
        run.device_count, run.finished_at = 0, timezone.now()
        run.save(update_fields=["device_count", "finished_at"])
        return _queue_empty_notice(run, data)
    run.workbook, run.filename, run.device_count = build_report(data), report_filename(data), len(data.devices)
    run.finished_at = timezone.now()
    run.save(update_fields=["workbook", "filename", "device_count", "finished_at"])
    _queue_email(run, data)


def _fail(run_pk: int, error: str) -> None:
    ReportRun.objects.filter(pk=run_pk).exclude(status=RunStatus.SENT).update(
        status=RunStatus.FAILED, error=error[:2000], finished_at=timezone.now()
    )


def _queue_email(run: ReportRun, data) -> None:
    context = {
        **_report_context(run, data),
        "generated_at": run.finished_at,
        "summary": summarize(data.devices),
        "filename": run.filename,
        "portal_url": None,  # recipients are the customer's people, who have no sign-in at the dealer's portal
    }
    _queue(run, "meter_report", context, data, recipients=run.recipients)


def _queue_empty_notice(run: ReportRun, data) -> None:
    """The email of a report that would list no device: to the dealer, saying so, with no workbook."""
    context = {
        **_report_context(run, data),
        "recipients": run.recipients,
        "portal_url": absolute_url(f"/customers/{run.customer.public_id}/#reports"),
    }
    _queue(run, "empty_report", context, data, recipients=dealer_addresses(connection.tenant))


def _report_context(run: ReportRun, data) -> dict:
    dealer = connection.tenant
    return {
        "dealer_name": dealer.name,
        "dealer_email": dealer.reply_to_email or None,
        "dealer_phone": dealer.phone or None,
        "customer_name": run.customer.name,
        "site_name": run.site.name if run.site else None,
        "period_start": data.period_start,
        "period_end": data.period_end,
    }


def _queue(run: ReportRun, template: str, context: dict, data, *, recipients: list[str]) -> None:
    """One email per run, whichever it is: the dedupe key is the run's."""
    email_queue(
        kind=EmailKind.REPORT,
        dedupe_key=f"report:{run.public_id}",
        recipients=recipients,
        rendered=render_email(template, context, data.time_zone or "UTC"),
        report_run=run,
        customer=run.customer,
    )


def report_run_email_settled(*, email_id) -> None:
    """After a send attempt, the run shows what its email did: sent, or failed with the reason."""
    email = OutboundEmail.objects.filter(public_id=email_id, report_run__isnull=False)
    email = email.select_related("report_run").first()
    if email is None:
        return
    unsent = ReportRun.objects.filter(pk=email.report_run_id).exclude(status=RunStatus.SENT)
    if email.status == EmailStatus.SENT:
        empty = not email.report_run.device_count
        unsent.update(status=RunStatus.SENT, error=EMPTY_NOTE if empty else "", finished_at=email.sent_at)
    elif email.status in (EmailStatus.FAILED, EmailStatus.GAVE_UP):
        _fail(email.report_run_id, f"The email was not sent: {email.error}")


def report_run_retry(*, run: ReportRun) -> bool:
    """A failed run again: its email sent again if the workbook was built, else built again. False when the
    queue is down (the run waits for the sweep, as a new one would)."""
    email = run.emails.filter(kind=EmailKind.REPORT).first() if run.filename else None
    if email is None:  # the build failed: build it again
        ReportRun.objects.filter(pk=run.pk, status=RunStatus.FAILED).update(
            status=RunStatus.PENDING, error="", filename=""
        )
        run.refresh_from_db(fields=["status", "error", "filename"])
        return report_run_enqueue(run=run)
    # A fresh set of tries: the email's own attempts may be used up (GAVE_UP) by the failure being retried.
    OutboundEmail.objects.filter(pk=email.pk, status__in=[EmailStatus.FAILED, EmailStatus.GAVE_UP]).update(
        status=EmailStatus.PENDING, attempts=0, error=""
    )
    ReportRun.objects.filter(pk=run.pk, status=RunStatus.FAILED).update(status=RunStatus.BUILDING, error="")
    return task_send(SEND_EMAIL_TASK, str(email.public_id))
