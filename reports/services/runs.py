"""Report runs: build the workbook for a period, keep it, and email it once."""

from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from agents.models import Customer, Site
from portal.celery import app as celery_app
from reports.choices import EmailKind, RunStatus
from reports.excel.builder import build_report, report_filename
from reports.excel.summary import summarize
from reports.models import ReportRun, ReportSchedule
from reports.selectors import report_input
from reports.services.emails import email_queue, render_email

RUN_REPORT_TASK = "reports.tasks.run_report"


def report_recipients(*, customer: Customer, copy_dealer: bool) -> list[str]:
    recipients = list(customer.report_emails)
    if copy_dealer:
        recipients += list(connection.tenant.notification_emails)
    return recipients


def report_run_request(
    *, customer: Customer, site: Site | None = None, start: datetime | None = None, end: datetime | None = None,
    requested_by: str = "schedule", schedule: ReportSchedule | None = None, copy_dealer: bool = False,
) -> ReportRun:  # fmt: skip
    """Creates the run (once per schedule and period) and queues its building when the transaction commits."""
    end = end or timezone.now()
    start = start or end - timedelta(days=30)
    run = ReportRun(
        customer=customer,
        site=site,
        schedule=schedule,
        period_start=start,
        period_end=end,
        requested_by=requested_by,
        recipients=report_recipients(customer=customer, copy_dealer=copy_dealer),
    )
    try:
        with transaction.atomic():
            run.save()
    except IntegrityError:  # beat fired twice for this schedule and period
        return ReportRun.objects.get(schedule=schedule, period_end=end)
    transaction.on_commit(lambda: _enqueue(run))
    return run


def _enqueue(run: ReportRun) -> None:
    celery_app.send_task(RUN_REPORT_TASK, args=[str(run.public_id)])


def report_run_execute(*, run: ReportRun) -> ReportRun:
    """Builds and stores the workbook, then queues the email. Safe to call again: a built run is not rebuilt."""
    claimed = ReportRun.objects.filter(pk=run.pk, status__in=[RunStatus.PENDING, RunStatus.FAILED]).update(
        status=RunStatus.BUILDING
    )
    run.refresh_from_db()
    if not claimed:
        return run
    try:
        data = report_input(customer=run.customer, site=run.site, start=run.period_start, end=run.period_end)
        run.workbook, run.filename, run.device_count = build_report(data), report_filename(data), len(data.devices)
    except Exception as exc:
        _fail(run, exc)
        raise
    with transaction.atomic():
        run.status, run.finished_at, run.error = RunStatus.SENT, timezone.now(), ""
        run.save()
        _queue_email(run, data)
    return run


def _fail(run: ReportRun, exc: Exception) -> None:
    run.status, run.error, run.finished_at = RunStatus.FAILED, f"{type(exc).__name__}: {exc}"[:2000], timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])


def _queue_email(run: ReportRun, data) -> None:
    dealer = connection.tenant
    context = {
        "dealer_name": dealer.name, "dealer_email": dealer.reply_to_email or None, "dealer_phone": dealer.phone or None,
        "customer_name": run.customer.name, "site_name": run.site.name if run.site else None,
        "period_start": data.period_start, "period_end": data.period_end, "generated_at": run.finished_at,
        "summary": summarize(data.devices), "filename": run.filename,
        "portal_url": None,  # recipients are the customer's people, who have no sign-in at the dealer's portal
    }  # fmt: skip
    rendered = render_email("meter_report", context, data.time_zone or "UTC")
    email_queue(kind=EmailKind.REPORT, dedupe_key=f"report:{run.public_id}", recipients=run.recipients,
                rendered=rendered, report_run=run, customer=run.customer)  # fmt: skip
