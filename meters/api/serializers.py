from rest_framework import serializers

from meters.models import Alert, Device, MeterFlag, MeterRead, Supply


class SupplySerializer(serializers.ModelSerializer):
    class Meta:
        model = Supply
        fields = ["description", "kind", "colour", "level_percent", "level_state", "level_raw", "max_capacity", "unit",
                  "part_number", "pages_remaining", "updated_at"]  # fmt: skip


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
            "id", "customer", "customer_name", "site", "manufacturer", "model", "serial", "mac", "ip", "hostname",
            "location", "firmware", "profile", "is_monitored", "lifecycle", "first_seen_at", "last_seen_at",
            "last_read_at", "latest_total", "latest_mono", "latest_color", "latest_meters", "status_text", "supplies",
        ]  # fmt: skip
        read_only_fields = [f for f in fields if f != "is_monitored"]

    def get_latest_meters(self, device) -> dict:
        read = next(iter(getattr(device, "latest_reads", [])), None)
        return dict(read.values) if read else {}


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
        fields = ["id", "device", "read_at", "kind", "meter_kind", "oid", "previous", "current", "proposed_offset",
                  "message", "state", "resolved_by", "resolved_at"]  # fmt: skip
