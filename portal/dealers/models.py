"""A dealer is a tenant: one PostgreSQL schema each (django-tenants)."""

import re
import zoneinfo

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django_tenants.models import DomainMixin, TenantMixin

# The code is public: it names the dealer in host names, licence keys and agent tokens.
DEALER_CODE_RE = re.compile(r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$")
RESERVED_CODES = {"www", "api", "admin", "public", "static", "mail", "agent", "portal", "pg", "information-schema"}


def validate_dealer_code(code: str) -> None:
    if not DEALER_CODE_RE.match(code):
        raise ValidationError(
            "A dealer code is 3-32 lowercase letters, digits and hyphens, starting with a letter.", code="invalid"
        )
    if code in RESERVED_CODES or code.startswith("pg-"):
        raise ValidationError(f"'{code}' is reserved.", code="reserved")


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"'{value}' is not a time zone name such as Europe/Berlin or America/Chicago.")


def schema_name_for(code: str) -> str:
    return "d_" + code.replace("-", "_")


def default_discovery_weekdays() -> list[int]:
    return [0, 3]  # Monday and Thursday, as the seed products do


def default_read_hours() -> list[int]:
    return [7, 12, 17]


class Dealer(TenantMixin):
    code = models.CharField(max_length=32, unique=True, validators=[validate_dealer_code])
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    is_active = models.BooleanField(default=True)
    # "Get Licence Key" at a customer's PC: dealer code + this password (hashed like a user password).
    enrollment_password = models.CharField(max_length=256, blank=True)
    reply_to_email = models.EmailField(blank=True)
    phone = models.CharField(max_length=50, blank=True)
    # Where the dealer works: new sites start in it, and a customer with no site yet is scheduled in it.
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    # Schedules every site inherits unless it overrides them (local time of each site).
    discovery_weekdays = ArrayField(models.PositiveSmallIntegerField(), default=default_discovery_weekdays)
    discovery_hour = models.PositiveSmallIntegerField(default=14)
    read_hours = ArrayField(models.PositiveSmallIntegerField(), default=default_read_hours)
    status_interval_minutes = models.PositiveIntegerField(default=60)
    # Alerts: who hears about them, and when toner counts as low.
    notification_emails = ArrayField(models.EmailField(), default=list, blank=True)
    toner_alert_percent = models.PositiveSmallIntegerField(default=15)
    # Licence keys and archiving are admin work unless the dealer lets technicians do them too.
    technicians_manage_keys = models.BooleanField(default=False)

    auto_create_schema = True
    auto_drop_schema = False

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_public(self) -> bool:
        return self.schema_name == "public"

    def set_enrollment_password(self, raw: str | None) -> None:
        self.enrollment_password = make_password(raw) if raw else ""

    def check_enrollment_password(self, raw: str) -> bool:
        return bool(self.enrollment_password) and check_password(raw, self.enrollment_password)


class Domain(DomainMixin):
    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain
