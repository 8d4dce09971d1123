"""Report schedules, report runs (one row per report built) and every email sent (one row per send)."""

import calendar
import uuid

from django.contrib.postgres.fields import ArrayField
from django.db import models

from agents.models import Customer, Site
from reports.choices import Cadence, EmailKind, EmailStatus, RunStatus


class ReportSchedule(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="report_schedules")
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.CASCADE, help_text="Empty: all sites.")
    cadence = models.CharField(max_length=16, choices=Cadence.choices, default=Cadence.MONTHLY)
    weekday = models.PositiveSmallIntegerField(default=0, help_text="Weekly: 0 = Monday … 6 = Sunday.")
    day_of_month = models.PositiveSmallIntegerField(default=1, help_text="Monthly: 1-31 (short months: last day).")
    hour = models.PositiveSmallIntegerField(default=7, help_text="Local hour of the customer's main site.")
    copy_dealer = models.BooleanField(default=False, help_text="Also send to the dealer's notification addresses.")
    is_enabled = models.BooleanField(default=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["customer", "site"]
        indexes = [
            models.Index(fields=["next_run_at"], name="report_schedule_due", condition=models.Q(is_enabled=True))
        ]

    def __str__(self) -> str:
        return f"{self.get_cadence_display()} report for {self.customer}"

    @property
    def weekday_name(self) -> str:
        return calendar.day_name[self.weekday % 7]


class ReportRun(models.Model):
    """One report for one period. (schedule, period_end) is unique: beat firing twice builds it once."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    schedule = models.ForeignKey(ReportSchedule, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="report_runs")
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.CASCADE)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    recipients = ArrayField(models.EmailField(), default=list)
    requested_by = models.CharField(max_length=254, default="schedule")
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    device_count = models.PositiveIntegerField(default=0)
    filename = models.CharField(max_length=200, blank=True)
    workbook = models.BinaryField(null=True, blank=True, editable=False)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["schedule", "period_end"], name="one_run_per_schedule_period")]

    def __str__(self) -> str:
        return f"report {self.customer} {self.period_end:%Y-%m-%d} ({self.status})"


class OutboundEmail(models.Model):
    """Every email, before it is sent. `dedupe_key` makes each send happen once, however often it is asked."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=16, choices=EmailKind.choices)
    dedupe_key = models.CharField(max_length=200, unique=True)
    recipients = ArrayField(models.EmailField())
    subject = models.CharField(max_length=300)
    text_body = models.TextField()
    html_body = models.TextField(blank=True)
    report_run = models.ForeignKey(ReportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="emails")
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="emails")
    status = models.CharField(max_length=16, choices=EmailStatus.choices, default=EmailStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    provider_message_id = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} to {', '.join(self.recipients)} ({self.status})"
