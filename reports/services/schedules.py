"""Report schedules: weekly on a day, monthly on a date, or after each read window, in the customer's zone."""

from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone

from agents.models import Customer
from portal.lib.due import next_daily, next_monthly, next_weekly
from reports.choices import Cadence
from reports.models import ReportSchedule
from reports.services.runs import report_run_request

AFTER_READ_DELAY_HOURS = 1  # time for the agents' reads of a window to arrive and be interpreted


def schedule_time_zone(schedule: ReportSchedule) -> str:
    """The zone of the schedule's site, else the customer's main site; a customer with no site yet (the default
    schedule of a new customer) the dealer's."""
    site = schedule.site or schedule.customer.sites.active().order_by("created_at").first()
    return site.time_zone if site else (getattr(connection.tenant, "time_zone", "") or "UTC")


def schedule_next_run(schedule: ReportSchedule, after: datetime) -> datetime:
    tz = schedule_time_zone(schedule)
    if schedule.cadence == Cadence.WEEKLY:
        return next_weekly(after, tz, [schedule.weekday], schedule.hour)
    if schedule.cadence == Cadence.MONTHLY:
        return next_monthly(after, tz, schedule.day_of_month, schedule.hour)
    hours = [(hour + AFTER_READ_DELAY_HOURS) % 24 for hour in connection.tenant.read_hours]
    return next_daily(after, tz, hours)


def schedule_save(*, schedule: ReportSchedule, now: datetime | None = None) -> ReportSchedule:
    schedule.full_clean()
    schedule.next_run_at = schedule_next_run(schedule, now or timezone.now()) if schedule.is_enabled else None
    schedule.save()
    return schedule


def schedule_describe(schedule: ReportSchedule) -> str:
    """Says when it runs ("monthly on day 1 at 07:00"), as the customer page's messages do."""
    if schedule.cadence == Cadence.WEEKLY:
        return f"weekly on {schedule.weekday_name} at {schedule.hour:02d}:00"
    if schedule.cadence == Cadence.MONTHLY:
        return f"monthly on day {schedule.day_of_month} at {schedule.hour:02d}:00"
    return "after each read window"


def schedule_default_create(*, customer: Customer) -> ReportSchedule:
    """A new customer's first schedule: the month's meter report on the 1st, to the dealer (copy_dealer) and to
    the customer's report recipients once it has some. The customer page says so; the dealer edits or removes it."""
    schedule = ReportSchedule(customer=customer, cadence=Cadence.MONTHLY, day_of_month=1, hour=7, copy_dealer=True)
    return schedule_save(schedule=schedule)


def period_start(schedule: ReportSchedule, end: datetime) -> datetime:
    """Since the last report of this schedule; the first one covers one cadence back."""
    if schedule.last_run_at:
        return schedule.last_run_at
    days = {Cadence.WEEKLY: 7, Cadence.MONTHLY: 30}.get(schedule.cadence, 1)
    return end - timedelta(days=days)


def schedules_dispatch_due(*, now: datetime | None = None) -> int:
    """Requests the runs that are due. Each run's period ends at its due time, so a late or repeated pass
    requests the same (schedule, period) run, which exists only once."""
    now = now or timezone.now()
    due = ReportSchedule.objects.filter(is_enabled=True, next_run_at__lte=now).select_related("customer", "site")
    count = 0
    for schedule in due:
        end = schedule.next_run_at
        report_run_request(
            customer=schedule.customer,
            site=schedule.site,
            start=period_start(schedule, end),
            end=end,
            schedule=schedule,
            copy_dealer=schedule.copy_dealer,
        )
        schedule.last_run_at = end
        schedule.next_run_at = schedule_next_run(schedule, max(now, end))
        schedule.save(update_fields=["last_run_at", "next_run_at"])
        count += 1
    return count
