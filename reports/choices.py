from django.db import models


class Cadence(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"
    AFTER_READ = "after_read", "After each read window"


class RunStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    BUILDING = "building", "Building"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class EmailKind(models.TextChoices):
    REPORT = "report", "Meter report"
    NEW_DEVICES = "new_devices", "New devices found"
    ALERT = "alert", "Alert"
    ALERT_CLEARED = "alert_cleared", "Alert cleared"
    READING_ENTERED = "reading_entered", "Meters entered by the customer"


class EmailStatus(models.TextChoices):
    PENDING = "pending", "Waiting to send"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed (will retry)"
    GAVE_UP = "gave_up", "Failed"
