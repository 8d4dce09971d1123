from django.db import models


class Lifecycle(models.TextChoices):
    ACTIVE = "active", "Active"
    STALE = "stale", "Stale (no read for 7 days)"
    RETIRED = "retired", "Retired (no read for 42 days)"


class EventKind(models.TextChoices):
    NEW = "new", "New device found"
    MOVED = "moved", "Moved to another site"
    ADDRESS = "address", "IP address changed"
    STALE = "stale", "Went stale"
    RETIRED = "retired", "Retired from reports"
    RETURNED = "returned", "Reporting again"
    REPLACED = "replaced", "Serial changed at this address"
    ENTERED = "entered", "Meters entered by the customer"


class FlagState(models.TextChoices):
    OPEN = "open", "Needs a decision"
    ACCEPTED = "accepted", "Offset accepted"
    DISMISSED = "dismissed", "Dismissed"


STALE_AFTER_DAYS = 7
RETIRED_AFTER_DAYS = 42
# The MeterRead.sources rule of meters the customer typed in from the device's panel (meters.services.manual_reads).
RULE_ENTERED = "entered"
