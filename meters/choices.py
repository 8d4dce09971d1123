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


# Generic "toner low" signals (the alert table, the error-state bits) that a measured level under the dealer's
# threshold (an alert coded SUPPLY_LOW_PREFIX + colour) already says better: one condition is shown and emailed once.
SUPPLY_LOW_PREFIX = "supply_low:"
TONER_CODES = frozenset(
    {"low_toner", "no_toner", "toner_low", "toner_empty", "ink_low", "ink_empty", "waste_almost_full", "waste_full"}
)
