"""The fleet: devices, their meter reads, supplies, alerts and lifecycle events."""

import uuid

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from agents.models import Customer, DirectiveResult, Site, SnmpCredential
from meters.choices import EventKind, FlagState, Lifecycle


class Device(models.Model):
    """A printer or MFP, identified by its serial (its MAC when it has none) within the dealer."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="devices")
    identity_key = models.CharField(max_length=120, unique=True)
    serial = models.CharField(max_length=64, blank=True)
    mac = models.CharField(max_length=17, blank=True)
    manufacturer = models.CharField(max_length=64, blank=True)
    model = models.CharField(max_length=128, blank=True)
    hostname = models.CharField(max_length=128, blank=True)
    location = models.CharField(max_length=255, blank=True)
    contact = models.CharField(max_length=255, blank=True)
    firmware = models.CharField(max_length=128, blank=True)
    sys_object_id = models.CharField(max_length=128, blank=True)
    sys_descr = models.TextField(blank=True)
    profile = models.CharField(max_length=32, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    port = models.PositiveIntegerField(default=161)
    credential = models.ForeignKey(SnmpCredential, null=True, blank=True, on_delete=models.SET_NULL)
    # The last "Test" of this device: {"at", "status", "detail", "credential"} (ok, timeout, auth_failure, …).
    last_test = models.JSONField(default=dict, blank=True)
    is_monitored = models.BooleanField(default=True, help_text="Read meters and include in reports.")
    lifecycle = models.CharField(max_length=16, choices=Lifecycle.choices, default=Lifecycle.ACTIVE)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    last_read_at = models.DateTimeField(null=True, blank=True)
    # The latest good counters, kept on the row so lists and dashboards need no per-device subquery.
    latest_total = models.BigIntegerField(null=True, blank=True)
    latest_mono = models.BigIntegerField(null=True, blank=True)
    latest_color = models.BigIntegerField(null=True, blank=True)
    lowest_supply_percent = models.FloatField(null=True, blank=True)
    status_text = models.CharField(max_length=64, blank=True)
    problems = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["site", "model", "serial"]
        indexes = [
            models.Index(fields=["site", "lifecycle"]),
            models.Index(fields=["manufacturer"]),
            # The dashboards' lists at 100k devices: lowest toner, biggest total, latest read, cut at the page.
            models.Index(F("lowest_supply_percent").asc(nulls_last=True), F("id"), name="device_lowest_supply"),
            models.Index(F("latest_total").desc(nulls_last=True), F("id"), name="device_latest_total"),
            models.Index(F("last_read_at").desc(nulls_last=True), F("id"), name="device_last_read"),
        ]

    def __str__(self) -> str:
        return f"{self.model or 'Printer'} {self.serial or self.mac or self.ip}"

    @property
    def display_name(self) -> str:
        return " ".join(part for part in (self.manufacturer, self.model) if part) or "Unknown printer"


class DeviceEvent(models.Model):
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    at = models.DateTimeField()
    details = models.JSONField(default=dict, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["kind", "notified_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.device_id} at {self.at:%Y-%m-%d}"


class MeterRead(models.Model):
    """One successful read of a device's counters. `values` has every meter kind the device exposed.

    The table is partitioned by month of `read_at` (migration 0009, meters.services.partitions): its database
    primary key is (id, read_at); `id` alone stays unique (one sequence) and is the pk Django uses."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="reads")
    result = models.ForeignKey(DirectiveResult, null=True, blank=True, on_delete=models.SET_NULL)
    read_at = models.DateTimeField()
    total = models.BigIntegerField(null=True, blank=True)
    mono = models.BigIntegerField(null=True, blank=True)
    color = models.BigIntegerField(null=True, blank=True)
    values = models.JSONField(default=dict)  # billing meter kind -> pages (meters.interpret.types.BILLING_KINDS)
    sources = models.JSONField(default=dict)  # kind -> {"rule", "oids", "label"} (meters.interpret.billing)
    supply_levels = models.JSONField(default=dict)  # supply key -> percent, for days-to-empty forecasts
    is_flagged = models.BooleanField(default=False)

    class Meta:
        ordering = ["-read_at"]
        indexes = [models.Index(fields=["device", "-read_at"])]
        constraints = [models.UniqueConstraint(fields=["device", "read_at"], name="one_read_per_device_instant")]

    def __str__(self) -> str:
        return f"{self.device_id} @ {self.read_at:%Y-%m-%d %H:%M}: {self.total}"


class MeterFlag(models.Model):
    """A counter that went backwards (reset, board swap) or jumped implausibly: held until a dealer decides."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="flags")
    # No database constraint: a partitioned table's `id` alone cannot be referenced. Django's collector still
    # deletes a read's flags with it (CASCADE is emulated, as it always was).
    read = models.ForeignKey(MeterRead, on_delete=models.CASCADE, related_name="flags", db_constraint=False)
    kind = models.CharField(max_length=16)  # reset | jump
    meter_kind = models.CharField(max_length=32)
    oid = models.CharField(max_length=128)
    previous = models.BigIntegerField()
    current = models.BigIntegerField()
    proposed_offset = models.BigIntegerField(null=True, blank=True)
    message = models.TextField()
    state = models.CharField(max_length=16, choices=FlagState.choices, default=FlagState.OPEN)
    resolved_by = models.CharField(max_length=254, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-read__read_at"]
        indexes = [models.Index(fields=["device", "state"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.meter_kind} on {self.device_id}"


class MeterOffset(models.Model):
    """An accepted offset: added to a meter kind's raw value from `since` on (after a reset or board swap)."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="offsets")
    meter_kind = models.CharField(max_length=32)
    offset = models.BigIntegerField()
    since = models.DateTimeField()
    flag = models.OneToOneField(MeterFlag, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["since"]

    def __str__(self) -> str:
        return f"+{self.offset} {self.meter_kind} since {self.since:%Y-%m-%d}"


class Supply(models.Model):
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="supplies")
    key = models.CharField(max_length=160)  # stable per device: the OID of its level
    description = models.CharField(max_length=255)
    kind = models.CharField(max_length=32)
    colour = models.CharField(max_length=32, blank=True)
    level_percent = models.FloatField(null=True, blank=True)
    level_raw = models.IntegerField(null=True, blank=True)
    max_capacity = models.IntegerField(null=True, blank=True)
    unit = models.CharField(max_length=32, blank=True)
    level_state = models.CharField(max_length=32, blank=True)
    part_number = models.CharField(max_length=64, blank=True)
    pages_remaining = models.IntegerField(null=True, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["device", "kind", "colour", "description"]
        constraints = [models.UniqueConstraint(fields=["device", "key"], name="one_supply_per_key")]

    def __str__(self) -> str:
        return self.description


class Alert(models.Model):
    """A condition a device reported (alert table or error-state bits): open until a read no longer shows it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="alerts")
    code = models.CharField(max_length=64)  # e.g. toner_low, jam, door_open, service_requested
    severity = models.CharField(max_length=16)
    description = models.CharField(max_length=255)
    source = models.CharField(max_length=16)  # alert_table | error_state | supply
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    cleared_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    cleared_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-first_seen_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["device", "code"], condition=Q(cleared_at__isnull=True), name="one_open_alert_per_code"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} on {self.device_id}"


class MeterMonth(models.Model):
    """Each device's lowest and highest good counts per month, kept at ingest, so the fleet's monthly volume
    is read from a dozen rows per device instead of a year of meter reads. Null where the device states no
    such meter (meters.services.rollups)."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="months")
    month = models.DateField()
    min_total = models.BigIntegerField(null=True)
    max_total = models.BigIntegerField(null=True)
    min_mono = models.BigIntegerField(null=True)
    max_mono = models.BigIntegerField(null=True)
    min_color = models.BigIntegerField(null=True)
    max_color = models.BigIntegerField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["device", "month"], name="one_rollup_per_device_month")]
        indexes = [models.Index(fields=["month"])]

    def __str__(self) -> str:
        return f"{self.device_id} {self.month:%Y-%m}"


class CustomerMonth(models.Model):
    """A customer's pages in a month, summed over its devices from MeterMonth (meters.services.rollups): the
    overview's monthly volume and top customers read a dozen rows per customer, not per device."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="months")
    month = models.DateField()
    mono = models.BigIntegerField(default=0)
    color = models.BigIntegerField(default=0)
    unsplit = models.BigIntegerField(default=0)  # pages of devices that state only a total
    devices = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["customer", "month"], name="one_rollup_per_customer_month")]
        indexes = [models.Index(fields=["month"])]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.month:%Y-%m}"


class SteadyState(models.Model):
    """What a changes-only read of a device is advanced from: its last read's meters and which of its OIDs
    are counters (meters.interpret.steady). Rebuilt whenever a read is interpreted in full."""

    device = models.OneToOneField(Device, on_delete=models.CASCADE, primary_key=True, related_name="steady")
    head = models.UUIDField()  # the result whose read this is: a changes-only entry must be based on it
    head_at = models.DateTimeField()
    hops = models.PositiveIntegerField(default=0)  # reads advanced since the last one interpreted in full
    profile = models.CharField(max_length=32)
    profiles_version = models.CharField(max_length=16)
    # The meter mapping of the device's model it was built under (meters.interpret.mapping.mapping_version):
    # a state built under another one is not advanced from.
    mapping = models.CharField(max_length=16, blank=True, default="")
    counters = models.JSONField(default=dict)  # counter OID -> SNMP type
    # [kind, OID, rule] of each counter as read (meters.interpret.billing makes the billing meters of them):
    # fixed until the next full read.
    meters = models.JSONField(default=list)
    values = models.JSONField(default=list)  # each counter's value, in the order of `meters`: advanced every read
    mono_only = models.BooleanField(default=False)  # the device's own word, which the billing rules use
    sources = models.JSONField(default=dict)  # kind -> its source, as the meter reads advanced from here record it
    supply_levels = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"steady state of {self.device_id} at {self.head_at:%Y-%m-%d %H:%M}"


class ReadingRequest(models.Model):
    """A one-time link that lets the customer type a device's meters in from its panel (the agent is not
    reading it). Only a SHA-256 of the link's token is kept: the email is the one copy of the link."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="reading_requests")
    token_hash = models.CharField(max_length=64, unique=True)
    sent_to = ArrayField(models.EmailField())
    requested_by = models.CharField(max_length=254)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.CharField(max_length=254, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    entered_by = models.CharField(max_length=150, blank=True)
    # No database constraint (MeterRead is partitioned): Django's collector sets it null when the read is deleted.
    read = models.OneToOneField(
        MeterRead, null=True, blank=True, on_delete=models.SET_NULL, related_name="reading_request", db_constraint=False
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # A new link replaces the device's open one: never two live links for one device.
            models.UniqueConstraint(
                fields=["device"],
                condition=Q(used_at__isnull=True, cancelled_at__isnull=True),
                name="one_open_reading_request_per_device",
            )
        ]

    def __str__(self) -> str:
        return f"reading request for {self.device_id} ({self.state})"

    @property
    def state(self) -> str:
        """used, cancelled, expired or open."""
        if self.used_at:
            return "used"
        if self.cancelled_at:
            return "cancelled"
        return "expired" if self.expires_at <= timezone.now() else "open"


class MeterMapping(models.Model):
    """A dealer's choice, for one make and model, of the billing meter a vendor counter feeds (Print Tracker's
    meter mapping); `kind` "" means the counter is not billed. A model's counters without a row bill as the
    profile says. Applied by meters.interpret.mapping; changing it re-derives history (meters.services.rederive)."""

    manufacturer = models.CharField(max_length=64, blank=True)
    model = models.CharField(max_length=128)
    oid = models.CharField(max_length=160)
    kind = models.CharField(max_length=32, blank=True)  # meters.interpret.types.BILLING_KINDS, or "" not billed
    label = models.CharField(max_length=255, blank=True)  # the device's name for the counter when it was mapped
    changed_by = models.CharField(max_length=254, blank=True)
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["manufacturer", "model", "oid"]
        constraints = [
            models.UniqueConstraint(fields=["manufacturer", "model", "oid"], name="one_mapping_per_model_counter")
        ]

    def __str__(self) -> str:
        return f"{self.manufacturer} {self.model}: {self.oid} -> {self.kind or 'not billed'}"
