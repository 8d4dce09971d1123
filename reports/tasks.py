"""Report and email work. Every task is safe to run twice: runs and emails are claimed, not assumed."""

from celery import shared_task

from portal.lib.retry import backoff_seconds
from portal.lib.tenants import for_each_tenant
from reports.models import ReportRun
from reports.services.agent_silence import silent_agents_notify
from reports.services.emails import email_send, emails_requeue_stuck
from reports.services.notifications import alerts_notify, discovery_emails_catch_up, discovery_notify
from reports.services.runs import report_run_email_settled, report_run_execute, report_runs_requeue_stuck
from reports.services.schedules import schedules_dispatch_due

# A minute after the first failure, doubling: the four retries span at most 15 minutes of mail server outage.
EMAIL_BACKOFF = {"base": 60, "cap": 900}


@shared_task(name="reports.tasks.run_report")
def run_report(run_id: str) -> str:
    run = report_run_execute(run=ReportRun.objects.defer("workbook").get(public_id=run_id))
    return run.status


@shared_task(name="reports.tasks.send_email", bind=True, max_retries=4, default_retry_delay=60)
def send_email(self, email_id: str) -> str:
    try:
        status = email_send(email_id=email_id)
    except Exception as exc:  # the row says failed; try again later, with back-off
        report_run_email_settled(email_id=email_id)  # a report's run shows the failure meanwhile
        raise self.retry(exc=exc, countdown=backoff_seconds(self.request.retries, **EMAIL_BACKOFF)) from exc
    report_run_email_settled(email_id=email_id)
    return status


@shared_task(name="reports.tasks.notify_new_devices")
def notify_new_devices(result_id: str, device_ids: list[str] | None = None) -> bool:
    """A discovery's email of what changed. `device_ids` (its new printers) is what older portals queued: the
    email now reads every change from the discovery's events, so it is accepted and not needed."""
    return discovery_notify(result_id=result_id)


@shared_task
def dispatch_due_reports() -> dict[str, object]:
    """Beat: request the scheduled reports that are due, in every dealer."""
    return for_each_tenant(lambda dealer: schedules_dispatch_due())


@shared_task
def requeue_stuck_reports() -> dict[str, object]:
    """Beat: report runs, emails and discovery emails whose queueing failed (broker down) or whose worker died,
    queued again."""
    return for_each_tenant(
        lambda dealer: {
            "runs": report_runs_requeue_stuck(),
            "discoveries": discovery_emails_catch_up(),
            "emails": emails_requeue_stuck(),
        }
    )


@shared_task
def dispatch_alert_emails() -> dict[str, object]:
    """Beat: email new toner and service conditions (and their clearing), in every dealer."""
    return for_each_tenant(lambda dealer: alerts_notify())


@shared_task
def notify_silent_agents() -> dict[str, object]:
    """Beat: email each dealer the agents silent for over a day, once per silence."""
    return for_each_tenant(lambda dealer: silent_agents_notify())
