from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agents.models import Agent, Customer, Directive, DirectiveResult, LicenseKey, Site


class CustomerSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    report_emails = serializers.ListField(child=serializers.EmailField(), required=False, max_length=50)

    class Meta:
        model = Customer
        fields = [
            "id", "name", "account_number", "contact_name", "contact_email", "contact_phone", "report_emails",
            "notes", "needs_confirmation", "created_at", "archived_at",
        ]  # fmt: skip
        read_only_fields = ["needs_confirmation", "created_at", "archived_at"]


class SiteSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    customer = serializers.SlugRelatedField(slug_field="public_id", queryset=Customer.objects.active())

    class Meta:
        model = Site
        fields = [
            "id", "customer", "name", "address", "time_zone", "scan_targets", "scan_exclusions", "scan_rate_limit",
            "snmp_port", "discovery_weekdays", "discovery_hour", "next_discovery_at", "next_read_at",
            "needs_confirmation", "created_at", "archived_at",
        ]  # fmt: skip
        read_only_fields = ["needs_confirmation", "created_at", "archived_at", "next_discovery_at", "next_read_at"]

    def validate_customer(self, customer):
        if self.instance is not None and customer != self.instance.customer:
            raise serializers.ValidationError("A site cannot move to another customer.")
        return customer


class LicenseKeySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    site = serializers.SlugRelatedField(slug_field="public_id", queryset=Site.objects.active())
    # No one for a key the customer's technician got through "Get License Key" (the agent API's register).
    created_by = serializers.SlugRelatedField(slug_field="email", read_only=True, allow_null=True)
    state = serializers.CharField(read_only=True)
    key = serializers.SerializerMethodField(help_text="Only in the response that created it; never again.")

    class Meta:
        model = LicenseKey
        fields = [
            "id", "site", "label", "prefix", "state", "created_by", "created_via", "created_at", "expires_at",
            "last_used_at", "revoked_at", "key",
        ]  # fmt: skip
        read_only_fields = ["prefix", "created_via", "created_at", "last_used_at", "revoked_at"]

    def get_key(self, obj) -> str | None:
        return self.context.get("new_key_text")


class AgentSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    site = serializers.SlugRelatedField(slug_field="public_id", read_only=True)

    class Meta:
        model = Agent
        fields = [
            "id", "site", "hostname", "os", "version", "enrolled_at", "last_seen_at", "last_ip", "outbox_depth",
            "outbox_dropped", "networks", "last_error", "revoked_at", "token_issued_at", "token_rotation_requested_at",
        ]  # fmt: skip
        read_only_fields = fields


class DirectiveResultSummarySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    attempts = serializers.IntegerField(read_only=True, help_text="Tries at interpreting it so far.")

    class Meta:
        model = DirectiveResult
        fields = ["id", "status", "error", "received_at", "interpreted_at", "attempts"]
        read_only_fields = fields


class DirectiveSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    site = serializers.SlugRelatedField(slug_field="public_id", read_only=True)
    result = serializers.SerializerMethodField(
        help_text="The agent's latest answer and how its interpretation went; null until the agent answers."
    )

    class Meta:
        model = Directive
        fields = ["id", "site", "kind", "status", "requested_by", "created_at", "leased_at", "completed_at", "result"]
        read_only_fields = fields

    @extend_schema_field(DirectiveResultSummarySerializer(allow_null=True))
    def get_result(self, directive):
        result = next(iter(directive.results.all()), None)  # prefetched, newest first
        return DirectiveResultSummarySerializer(result).data if result else None
