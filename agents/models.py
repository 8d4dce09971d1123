"""Customers, their sites, the licence keys and agents at those sites, and the directives agents run."""

import uuid
import zoneinfo

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from agents.choices import AuthProtocol, DirectiveKind, DirectiveStatus, PrivProtocol, ResultStatus, SnmpVersion
from portal.lib.crypto import decrypt_text


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"'{value}' is not a time zone name such as Europe/Berlin or America/Chicago.")


class ArchivableQuerySet(models.QuerySet):
    def active(self):
        return self.filter(archived_at__isnull=True)


class Customer(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    account_number = models.CharField(max_length=64, blank=True, help_text="The customer's number in your ERP.")
    contact_name = models.CharField(max_length=150, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=50, blank=True)
    report_emails = ArrayField(models.EmailField(), default=list, blank=True)
    notes = models.TextField(blank=True)
    # Created by a technician through "Get Licence Key" at the customer's PC: the dealer confirms it.
    needs_confirmation = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = ArchivableQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name


class Site(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="sites")
    name = models.CharField(max_length=200)
    address = models.TextField(blank=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    scan_targets = models.TextField(
        blank=True, help_text="CIDRs, ranges or host names to sweep, one per line. Empty: the agent's own networks."
    )
    scan_exclusions = models.TextField(blank=True, help_text="Addresses or CIDRs never to probe, one per line.")
    scan_rate_limit = models.PositiveIntegerField(default=0, help_text="SNMP packets per second; 0 means no limit.")
    # What the customer's IT agreed to: broadcast only when asked for and no explicit targets are given, and
    # scheduled discoveries only inside the local time window (none: any time).
    scan_broadcast = models.BooleanField(default=True)
    scan_window_start = models.TimeField(null=True, blank=True)
    scan_window_end = models.TimeField(null=True, blank=True)
    snmp_port = models.PositiveIntegerField(default=161)
    # Self-update: the agent version this site's agents run (empty: the portal's current release).
    agent_version_pin = models.CharField(max_length=32, blank=True)
    # Empty / null: the dealer's defaults. The next_* times are in UTC, computed in the site's zone.
    discovery_weekdays = ArrayField(models.PositiveSmallIntegerField(), default=list, blank=True)
    discovery_hour = models.PositiveSmallIntegerField(null=True, blank=True)
    next_discovery_at = models.DateTimeField(null=True, blank=True, db_index=True)
    next_read_at = models.DateTimeField(null=True, blank=True, db_index=True)
    next_status_at = models.DateTimeField(null=True, blank=True, db_index=True)
    needs_confirmation = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = ArchivableQuerySet.as_manager()

    class Meta:
        ordering = ["customer__name", "name"]

    def __str__(self) -> str:
        return f"{self.customer.name} — {self.name}"

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class SnmpCredential(models.Model):
    """SNMP credentials a site's agent tries, in order: the site's own, then its customer's. Secrets are encrypted
    at rest (Fernet). Exactly one of `site` and `customer` is set."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.CASCADE, related_name="snmp_credentials")
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="snmp_credentials"
    )
    label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, null=True)
    # The last "Test" of this credential: {"at", "status", "detail", "answered", "tried"}.
    last_test = models.JSONField(default=dict, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    version = models.CharField(max_length=2, choices=SnmpVersion.choices, default=SnmpVersion.V2C)
    community_encrypted = models.TextField(blank=True)
    v3_user = models.CharField(max_length=64, blank=True)
    auth_protocol = models.CharField(max_length=8, choices=AuthProtocol.choices, blank=True)
    auth_key_encrypted = models.TextField(blank=True)
    priv_protocol = models.CharField(max_length=8, choices=PrivProtocol.choices, blank=True)
    priv_key_encrypted = models.TextField(blank=True)
    v3_context = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["site", "customer", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(site__isnull=False, customer__isnull=True) | Q(site__isnull=True, customer__isnull=False),
                name="credential_of_a_site_or_a_customer",
            )
        ]

    def __str__(self) -> str:
        return f"SNMPv{self.version} #{self.position}"

    def as_directive_credential(self) -> dict:
        """The decrypted form an agent needs; built only when a directive is handed out."""
        ident = f"c{self.pk}"
        if self.version != SnmpVersion.V3:
            return {"id": ident, "version": self.version, "community": decrypt_text(self.community_encrypted)}
        return {
            "id": ident,
            "version": "3",
            "user": self.v3_user,
            "auth_protocol": self.auth_protocol or None,
            "auth_key": decrypt_text(self.auth_key_encrypted),
            "priv_protocol": self.priv_protocol or None,
            "priv_key": decrypt_text(self.priv_key_encrypted),
            "context": self.v3_context,
        }


class LicenseKey(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="license_keys")
    label = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_via = models.CharField(max_length=32, default="portal")  # portal, api, self-registration
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix} ({self.site})"

    @property
    def state(self) -> str:
        if self.revoked_at:
            return "revoked"
        if self.expires_at and self.expires_at <= timezone.now():
            return "expired"
        return "active"


class Agent(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="agents")
    license_key = models.ForeignKey(LicenseKey, null=True, on_delete=models.SET_NULL, related_name="agents")
    hostname = models.CharField(max_length=255)
    # What the technician called it at install (default: hostname and site): two agents of one key told apart.
    name = models.CharField(max_length=100, blank=True)
    # The dealer was told it went silent (once per silence; cleared when it is heard from again).
    silent_notified_at = models.DateTimeField(null=True, blank=True)
    os = models.CharField(max_length=255, blank=True)
    version = models.CharField(max_length=32, blank=True)
    token_prefix = models.CharField(max_length=16, unique=True)
    token_hash = models.CharField(max_length=64)
    token_issued_at = models.DateTimeField(null=True, blank=True)
    # Rotation: the portal asks for a new token; the old one keeps working until previous_token_expires_at.
    token_rotation_requested_at = models.DateTimeField(null=True, blank=True)
    previous_token_prefix = models.CharField(max_length=16, blank=True, db_index=True)
    previous_token_hash = models.CharField(max_length=64, blank=True)
    previous_token_expires_at = models.DateTimeField(null=True, blank=True)
    enrolled_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    last_ip = models.GenericIPAddressField(null=True, blank=True)
    outbox_depth = models.PositiveIntegerField(default=0)
    outbox_dropped = models.PositiveIntegerField(default=0)
    # Uploads the portal kept refusing, set aside by the agent so the rest of its outbox moves on.
    outbox_set_aside = models.PositiveIntegerField(default=0)
    outbox_set_aside_detail = models.JSONField(default=list, blank=True)
    networks = models.JSONField(default=list, blank=True)
    # Printers the host itself prints to (CUPS queues, the Windows spooler; USB ones too), from its last discovery.
    local_printers = models.JSONField(default=list, blank=True)
    local_printers_seen_at = models.DateTimeField(null=True, blank=True)
    # The agent's last word on self-update: {"state", "version", "error", "at"} (docs/agent-protocol.md).
    update_report = models.JSONField(default=dict, blank=True)
    last_error = models.TextField(blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["site", "hostname"]

    def __str__(self) -> str:
        return f"{self.hostname} @ {self.site}"

    # DRF treats the authenticated principal as request.user.
    is_authenticated = True
    is_anonymous = False


class Directive(models.Model):
    """A task for a site's agent: discover, read meters, scan status. Leased, then answered with a result."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="directives")
    kind = models.CharField(max_length=16, choices=DirectiveKind.choices)
    params = models.JSONField(default=dict, blank=True)  # never holds secrets; credentials added at lease time
    status = models.CharField(max_length=16, choices=DirectiveStatus.choices, default=DirectiveStatus.PENDING)
    requested_by = models.CharField(max_length=100, default="schedule")
    created_at = models.DateTimeField(auto_now_add=True)
    leased_by = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="leases")
    leased_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    # What the agent reports while it works: {"probed", "total", "found", "at"}.
    progress = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["site", "status"]), models.Index(fields=["status", "lease_expires_at"])]
        constraints = [
            # An agent that was away gets one directive of each kind when it returns, not a pile.
            models.UniqueConstraint(
                fields=["site", "kind"], condition=Q(status="pending"), name="one_pending_directive_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.site} ({self.status})"


class DirectiveResult(models.Model):
    """What an agent posted, kept raw so it can be re-interpreted when a vendor profile improves."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    directive = models.ForeignKey(Directive, on_delete=models.CASCADE, related_name="results")
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="results")
    idempotency_key = models.CharField(max_length=100)
    received_at = models.DateTimeField(auto_now_add=True)
    payload = models.JSONField()
    payload_bytes = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=ResultStatus.choices, default=ResultStatus.RECEIVED)
    # At-least-once interpretation: every queueing and every try is counted; the sweep re-queues the stuck.
    queued_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    interpreted_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    body_sha256 = models.CharField(max_length=64, blank=True)  # a reused Idempotency-Key must carry the same body

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["status", "queued_at"], name="result_status_queued")]
        constraints = [
            models.UniqueConstraint(fields=["agent", "idempotency_key"], name="result_idempotency_per_agent")
        ]

    def __str__(self) -> str:
        return f"result {self.public_id} of {self.directive_id}"
