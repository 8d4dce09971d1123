import zoneinfo

from rest_framework import serializers

from agents.services.enrolment import AGENT_NAME_MAX, validate_agent_name


class EnrollRequestSerializer(serializers.Serializer):
    license_key = serializers.CharField(max_length=200)
    hostname = serializers.CharField(max_length=255)
    os = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    agent_version = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    name = serializers.CharField(
        max_length=AGENT_NAME_MAX,
        required=False,
        allow_blank=True,
        default="",
        validators=[validate_agent_name],
        help_text="What the technician calls this agent, e.g. 'Reception PC'. Default: '<hostname> @ <site>'.",
    )


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


SET_ASIDE_DETAIL_MAX = 20  # the agent sends its newest 20; more is a poison heartbeat


class SetAsideEntrySerializer(serializers.Serializer):
    """One upload the agent set aside: what, why, when; never its payload."""

    directive_id = serializers.CharField(max_length=64)
    kind = serializers.CharField(max_length=16, required=False, allow_blank=True, default="")
    status = serializers.IntegerField(min_value=0, max_value=999, required=False, allow_null=True, default=None)
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class UpdateReportSerializer(serializers.Serializer):
    """The agent's last word on self-update (docs/agent-protocol.md, "Self-update")."""

    state = serializers.ChoiceField(choices=["updated", "failed", "unsupported"])
    version = serializers.CharField(max_length=32, help_text="The version offered (or run, when unsupported).")
    from_version = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    error = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class HeartbeatRequestSerializer(serializers.Serializer):
    agent_version = serializers.CharField(max_length=32, required=False, allow_blank=True)
    hostname = serializers.CharField(max_length=255, required=False, allow_blank=True)
    outbox_depth = serializers.IntegerField(min_value=0, max_value=MAX_COUNT, required=False, default=0)
    outbox_dropped = serializers.IntegerField(min_value=0, max_value=MAX_COUNT, required=False, default=0)
    networks = serializers.ListField(child=serializers.CharField(max_length=64), required=False, default=list)
    last_error = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    outbox_set_aside = serializers.IntegerField(min_value=0, max_value=MAX_COUNT, required=False, default=0)
    outbox_set_aside_detail = serializers.ListField(
        child=SetAsideEntrySerializer(), required=False, default=list, max_length=SET_ASIDE_DETAIL_MAX
    )
    update_report = UpdateReportSerializer(required=False)


ROTATE_HELP = "Take a new token now: POST /agent/v1/token (docs/agent-protocol.md, token rotation)."


class UpdateOfferSerializer(serializers.Serializer):
    version = serializers.CharField()
    url = serializers.URLField(help_text="GET with the agent token: the single-file agent of this release.")
    sha256 = serializers.CharField()
    signature = serializers.CharField(help_text="Base64 Ed25519 over b'meterbridge-agent\\n{version}\\n{sha256}\\n'.")


class HeartbeatResponseSerializer(serializers.Serializer):
    poll_interval = serializers.IntegerField()
    server_time = serializers.DateTimeField()
    rotate_token = serializers.BooleanField(help_text=ROTATE_HELP)
    update = UpdateOfferSerializer(allow_null=True, help_text="A release to update to, or null.")
    features = serializers.ListField(
        child=serializers.CharField(),
        help_text="What this portal reads beyond the base protocol, e.g. 'compact_deltas' (docs/agent-protocol.md, "
        "'Compact changes'); an agent uses a feature only once a heartbeat names it.",
    )


class DirectiveSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=["discover", "read", "status"])
    lease_expires_at = serializers.DateTimeField()
    params = serializers.DictField()


class ReadScheduleSerializer(serializers.Serializer):
    time_zone = serializers.CharField(help_text="The site's time zone, e.g. Europe/Berlin.")
    hours = serializers.ListField(child=serializers.IntegerField(min_value=0, max_value=23))


class DirectivesResponseSerializer(serializers.Serializer):
    poll_interval = serializers.IntegerField()
    read_schedule = ReadScheduleSerializer(
        help_text="When the portal reads this site's meters; the agent reads on it by itself while the portal is "
        "unreachable (docs/agent-protocol.md, offline reads)."
    )
    directives = DirectiveSerializer(many=True)
    rotate_token = serializers.BooleanField(help_text=ROTATE_HELP)
    max_wait = serializers.IntegerField(
        help_text="The longest `wait` this portal holds a poll for; 0: it did not hold this one, or cannot (poll "
        "plainly until the next heartbeat). Absent from portals without long polling."
    )


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Shown once. Save it to the config before using it.")
    issued_at = serializers.DateTimeField()
    previous_token_expires_at = serializers.DateTimeField(
        allow_null=True, help_text="Until then the token this call was made with still works."
    )


class ResultResponseSerializer(serializers.Serializer):
    status = serializers.CharField()
    result_id = serializers.UUIDField()
    duplicate = serializers.BooleanField()


class ProgressRequestSerializer(serializers.Serializer):
    probed = serializers.IntegerField(min_value=0, max_value=MAX_COUNT, help_text="Addresses probed so far.")
    total = serializers.IntegerField(min_value=0, max_value=MAX_COUNT, help_text="Addresses to probe in all.")
    found = serializers.IntegerField(min_value=0, max_value=MAX_COUNT, help_text="Printers found so far.")


class ProgressResponseSerializer(serializers.Serializer):
    status = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
