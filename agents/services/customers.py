"""Writes for customers and sites. Archiving keeps history; nothing a dealer bills from is deleted."""

from django.db import connection, transaction
from django.utils import timezone

from agents.models import Customer, Site, SnmpCredential
from agents.services.credentials import credential_create
from agents.signals import customer_created

CUSTOMER_FIELDS = ("name", "account_number", "contact_name", "contact_email", "contact_phone", "report_emails", "notes")
SITE_FIELDS = (
    "name",
    "address",
    "time_zone",
    "scan_targets",
    "scan_exclusions",
    "scan_rate_limit",
    "snmp_port",
    "discovery_weekdays",
    "discovery_hour",
    "scan_broadcast",
    "scan_window_start",
    "scan_window_end",
    "agent_version_pin",
)


@transaction.atomic
def customer_create(*, name: str, needs_confirmation: bool = False, **fields) -> Customer:
    """The customer, with a default monthly meter report schedule (to the dealer) it can change or remove: reports
    creates it on `customer_created`, in this transaction."""
    customer = Customer(name=name.strip(), needs_confirmation=needs_confirmation, **fields)
    customer.full_clean()
    customer.save()
    customer_created.send(sender=Customer, customer=customer)
    return customer


def customer_update(*, customer: Customer, **fields) -> Customer:
    for field in CUSTOMER_FIELDS:
        if field in fields:
            setattr(customer, field, fields[field])
    customer.needs_confirmation = False  # a dealer editing it has looked at it
    customer.full_clean()
    customer.save()
    return customer


@transaction.atomic
def customer_archive(*, customer: Customer) -> Customer:
    now = timezone.now()
    customer.archived_at = now
    customer.save(update_fields=["archived_at"])
    for site in customer.sites.active():
        site_archive(site=site, now=now)
    return customer


def customer_restore(*, customer: Customer) -> Customer:
    customer.archived_at = None
    customer.save(update_fields=["archived_at"])
    return customer


@transaction.atomic
def site_create(*, customer: Customer, name: str, needs_confirmation: bool = False, **fields) -> Site:
    fields.setdefault("time_zone", getattr(connection.tenant, "time_zone", "") or "UTC")  # the dealer's, unless told
    site = Site(customer=customer, name=name.strip(), needs_confirmation=needs_confirmation, **fields)
    site.full_clean()
    site.save()
    if not customer.snmp_credentials.exists():  # the customer's own credentials apply to it instead
        # Most fleets answer to "public"; v1 last for old print servers that ignore v2c.
        snmp_credential_add(site=site, version="2c", community="public")
        snmp_credential_add(site=site, version="1", community="public")
    return site


def site_update(*, site: Site, **fields) -> Site:
    for field in SITE_FIELDS:
        if field in fields:
            setattr(site, field, fields[field])
    site.needs_confirmation = False
    # The next due times follow the new zone and days from now on (the next dispatch pass recomputes them).
    site.next_discovery_at = site.next_read_at = site.next_status_at = None
    site.full_clean()
    site.save()
    return site


@transaction.atomic
def site_archive(*, site: Site, now=None) -> Site:
    now = now or timezone.now()
    site.archived_at = now
    site.save(update_fields=["archived_at"])
    site.license_keys.filter(revoked_at__isnull=True).update(revoked_at=now)
    site.agents.filter(revoked_at__isnull=True).update(revoked_at=now)
    return site


def site_restore(*, site: Site) -> Site:
    site.archived_at = None
    site.save(update_fields=["archived_at"])
    return site


def snmp_credential_add(*, site: Site, version: str, community: str = "", **v3) -> SnmpCredential:
    """A site credential, last in its list (for existing callers; new code calls credentials.credential_create)."""
    return credential_create(site=site, version=version, community=community, **v3)
