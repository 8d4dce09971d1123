import zoneinfo

from rest_framework import serializers


class EnrollRequestSerializer(serializers.Serializer):
    license_key = serializers.CharField(max_length=200)
    hostname = serializers.CharField(max_length=255)
    os = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    agent_version = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")


class DealerRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class SiteRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    customer = serializers.CharField()


class EnrollResponseSerializer(serializers.Serializer):
    agent_id = serializers.UUIDField()
    token = serializers.CharField(help_text="Shown once. Keep it in the agent's config, readable only by its owner.")
    poll_interval = serializers.IntegerField()
    dealer = DealerRefSerializer()
    site = SiteRefSerializer()


class RegisterRequestSerializer(serializers.Serializer):
    dealer = serializers.CharField(max_length=32)
    enrollment_password = serializers.CharField(max_length=200)
    customer_name = serializers.CharField(max_length=200)
    site_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    report_emails = serializers.ListField(child=serializers.EmailField(), required=False, default=list, max_length=20)
    time_zone = serializers.CharField(max_length=64, required=False, default="UTC")

    def validate_time_zone(self, value: str) -> str:
        if value not in zoneinfo.available_timezones():
            raise serializers.ValidationError("Use a time zone name such as Europe/Berlin.")
        return value


class RegisterResponseSerializer(serializers.Serializer):
    license_key = serializers.CharField()


MAX_COUNT = 2**31 - 1  # the columns are PositiveIntegerField


class HeartbeatRequestSerializer(serializers.Serializer):
    agent_version = serializers.CharField(max_length=32, required=False, allow_blank=True)
    hostname = serializers.CharField(max_length=255, required=False, allow_blank=True)
    outbox_depth = serializers.IntegerField(min_value=0, max_value=MAX_COUNT, required=False, default=0)
    outbox_dropped = serializers.IntegerField(min_value=0, max_value=MAX_COUNT, required=False, default=0)
    networks = serializers.ListField(child=serializers.CharField(max_length=64), required=False, default=list)
    last_error = serializers.CharField(required=False, allow_blank=True, allow_null=True)


class HeartbeatResponseSerializer(serializers.Serializer):
    poll_interval = serializers.IntegerField()
    server_time = serializers.DateTimeField()


class DirectiveSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=["discover", "read", "status"])
    lease_expires_at = serializers.DateTimeField()
    params = serializers.DictField()


class DirectivesResponseSerializer(serializers.Serializer):
    poll_interval = serializers.IntegerField()
    directives = DirectiveSerializer(many=True)


class ResultResponseSerializer(serializers.Serializer):
    status = serializers.CharField()
    result_id = serializers.UUIDField()
    duplicate = serializers.BooleanField()


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
