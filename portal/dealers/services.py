"""Creating a dealer: its schema (migrated by django-tenants), its host name and its first admin."""

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django_tenants.utils import schema_context

from portal.accounts.models import Role, User
from portal.accounts.services import user_create
from portal.dealers.models import Dealer, Domain, schema_name_for, validate_dealer_code
from portal.dealers.signals import dealer_schedule_changed
from portal.lib.urls import dealer_origin


class DealerExists(Exception):
    pass


def dealer_host(code: str) -> str:
    return f"{code}.{settings.PORTAL_BASE_DOMAIN}"


def dealer_url(code: str, path: str = "/") -> str:
    """An address on the dealer's host as its staff reach it (portal.lib.urls: scheme, host and port)."""
    return dealer_origin(code) + path


def public_tenant_ensure() -> Dealer:
    """The row django-tenants keeps for the public schema (operators' admin, agent API)."""
    tenant = Dealer.objects.filter(schema_name="public").first()
    if tenant is None:
        tenant = Dealer(schema_name="public", code="public", name="Meterbridge (central)")
        tenant.auto_create_schema = False
        tenant.save()
    Domain.objects.get_or_create(domain=settings.PORTAL_BASE_DOMAIN, defaults={"tenant": tenant, "is_primary": True})
    return tenant


def dealer_create(
    *,
    code: str,
    name: str,
    admin_email: str,
    admin_password: str,
    enrollment_password: str = "",
    time_zone: str = "UTC",
) -> Dealer:
    code = code.strip().lower()
    validate_dealer_code(code)
    if Dealer.objects.filter(code=code).exists() or Domain.objects.filter(domain=dealer_host(code)).exists():
        raise DealerExists(f"A dealer with the code '{code}' already exists.")
    user_create_check(admin_email, admin_password)
    public_tenant_ensure()
    dealer = Dealer(code=code, name=name.strip(), schema_name=schema_name_for(code), time_zone=time_zone)
    dealer.set_enrollment_password(enrollment_password)
    dealer.full_clean(exclude=["schema_name"])
    with transaction.atomic():
        dealer.save()  # creates and migrates the schema
        Domain.objects.create(domain=dealer_host(code), tenant=dealer, is_primary=True)
        with schema_context(dealer.schema_name):
            user_create(email=admin_email, password=admin_password, role=Role.ADMIN, full_name="")
    connection.set_schema_to_public()
    return dealer


def user_create_check(email: str, password: str) -> None:
    if not email or "@" not in email:
        raise ValidationError("The admin needs an email address.")
    validate_password(password, user=User(email=email))


SCHEDULE_FIELDS = {"discovery_weekdays", "discovery_hour", "read_hours", "status_interval_minutes"}
SETTINGS_FIELDS = (
    "name",
    "reply_to_email",
    "phone",
    "time_zone",
    "notification_emails",
    "toner_alert_percent",
    "discovery_weekdays",
    "discovery_hour",
    "read_hours",
    "status_interval_minutes",
    "technicians_manage_keys",
)


def dealer_settings_update(
    *, dealer: Dealer, enrollment_password: str = "", disable_enrollment_password: bool = False, **fields
) -> Dealer:
    """Saves the dealer's settings; changed schedules take effect at each site's next due time."""
    for field in SETTINGS_FIELDS:
        if field in fields:
            setattr(dealer, field, fields[field].strip() if isinstance(fields[field], str) else fields[field])
    if disable_enrollment_password:
        dealer.set_enrollment_password(None)
    elif enrollment_password:
        dealer.set_enrollment_password(enrollment_password)
    dealer.save(update_fields=[*SETTINGS_FIELDS, "enrollment_password"])
    if SCHEDULE_FIELDS & fields.keys():
        _reschedule_sites(dealer)
    return dealer


def _reschedule_sites(dealer: Dealer) -> None:
    """Tells the apps above (agents resets its sites' next due times) inside the dealer's schema."""
    with schema_context(dealer.schema_name):
        dealer_schedule_changed.send(sender=Dealer, dealer=dealer)
