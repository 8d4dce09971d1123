from rest_framework import serializers

from meters.models import Alert, Device, MeterFlag, MeterRead, Supply


class SupplySerializer(serializers.ModelSerializer):
    class Meta:
        model = Supply
        fields = [
            "description",
            "kind",
            "colour",
            "level_percent",
            "level_state",
            "level_raw",
            "max_capacity",
            "unit",
            "part_number",
            "pages_remaining",
            "updated_at",
        ]


class DeviceSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    site = serializers.UUIDField(source="site.public_id", read_only=True)
    customer = serializers.UUIDField(source="site.customer.public_id", read_only=True)
    customer_name = serializers.CharField(source="site.customer.name", read_only=True)
    latest_meters = serializers.SerializerMethodField()
    supplies = SupplySerializer(many=True, read_only=True)

    class Meta:
        model = Device
        fields = [
            "id",
            "customer",
            "customer_name",
            "site",
            "manufacturer",
            "model",
            "serial",
            "mac",
            "ip",
            "hostname",
            "location",
            "firmware",
            "profile",
            "is_monitored",
            "lifecycle",
            "first_seen_at",
            "last_seen_at",
            "last_read_at",
            "latest_total",
            "latest_mono",
            "latest_color",
            "latest_meters",
            "status_text",
            "supplies",
            "last_test",
        ]
        read_only_fields = [f for f in fields if f != "is_monitored"]

    def get_latest_meters(self, device) -> dict:
        return dict(getattr(device, "latest_meters", None) or {})


class MeterReadSerializer(serializers.ModelSerializer):
    class Meta:
        model = MeterRead
        fields = ["read_at", "total", "mono", "color", "values", "sources", "is_flagged"]


class AlertSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = Alert
        fields = ["id", "code", "severity", "description", "source", "first_seen_at", "last_seen_at", "cleared_at"]


class MeterFlagSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    device = serializers.UUIDField(source="device.public_id", read_only=True)
    read_at = serializers.DateTimeField(source="read.read_at", read_only=True)

    class Meta:
        model = MeterFlag
        fields = [
            "id",
            "device",
            "read_at",
            "kind",
            "meter_kind",
            "oid",
            "previous",
            "current",
            "proposed_offset",
            "message",
            "state",
            "resolved_by",
            "resolved_at",
        ]


class MappingChoiceSerializer(serializers.Serializer):
    oid = serializers.CharField(max_length=160)
    kind = serializers.CharField(
        allow_blank=True,
        allow_null=True,
        max_length=32,
        help_text='A billing meter (total, mono, color, …), "" for not billed, null for the profile default.',
    )


class MeterMappingInputSerializer(serializers.Serializer):
    """A model's whole mapping: counters left out bill as the profile says."""

    manufacturer = serializers.CharField(allow_blank=True, max_length=64)
    model = serializers.CharField(max_length=128)
    counters = MappingChoiceSerializer(many=True)


class MappingCounterSerializer(serializers.Serializer):
    oid = serializers.CharField()
    label = serializers.CharField()
    value = serializers.IntegerField(allow_null=True)
    profile_kind = serializers.CharField(allow_null=True, help_text="What the vendor profile makes of it.")
    summed = serializers.BooleanField(help_text="One row of a meter the profile sums.")
    mappable = serializers.BooleanField()
    kind = serializers.CharField(
        allow_null=True, help_text='The dealer\'s choice: a billing meter, "" not billed, null profile default.'
    )
    changed_by = serializers.CharField(allow_null=True)
    changed_at = serializers.DateTimeField(allow_null=True)
    feeds = serializers.ListField(child=serializers.DictField(), help_text="Billing meters it feeds now (kind, rule).")


class MeterMappingSerializer(serializers.Serializer):
    manufacturer = serializers.CharField()
    model = serializers.CharField()
    device = serializers.UUIDField(allow_null=True, help_text="The device whose last read the counters come from.")
    counters = MappingCounterSerializer(many=True)


class RederivedDeviceSerializer(serializers.Serializer):
    device = serializers.UUIDField(source="public_id")
    serial = serializers.CharField()
    name = serializers.CharField()
    reads = serializers.IntegerField(help_text="Reads whose stored row changed.")
    before = serializers.DictField(child=serializers.IntegerField(), help_text="Billing meters of its latest read.")
    after = serializers.DictField(child=serializers.IntegerField())
    errors = serializers.ListField(child=serializers.CharField())


class MeterMappingChangeSerializer(serializers.Serializer):
    mapping = MeterMappingSerializer()
    changed = serializers.BooleanField(help_text="False when the mapping was already so: nothing was re-derived.")
    devices = serializers.IntegerField(help_text="Devices of the model re-derived.")
    reads = serializers.IntegerField(help_text="Reads re-derived from their raw results.")
    reads_changed = serializers.IntegerField()
    summary = serializers.CharField()
    changes = RederivedDeviceSerializer(many=True, help_text="Only the devices whose reads or latest meters changed.")


class FlagAcceptSerializer(serializers.Serializer):
    offset = serializers.IntegerField(
        required=False, min_value=0, max_value=2**62, help_text="Pages to add from the reset on (default: proposed)"
    )
