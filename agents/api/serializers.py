from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agents.choices import AuthProtocol, PrivProtocol, SnmpVersion
from agents.models import Agent, Customer, Directive, DirectiveResult, LicenseKey, Site, SnmpCredential
from agents.scan_scope import site_broadcast, window_errors
from agents.services.agent_releases import pin_problem, update_state
from agents.services.enrolment import validate_agent_name
from agents.services.install_commands import install_commands
from portal.lib.addresses import MAX_TARGET_ADDRESSES, scope_errors


def secret_field() -> serializers.CharField:
    """A secret the API takes and never gives back, kept exactly as typed (a community may end in a space)."""
    return serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=128,
        trim_whitespace=False,
        style={"input_type": "password"},
    )


class CustomerSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    report_emails = serializers.ListField(child=serializers.EmailField(), required=False, max_length=50)

    class Meta:
        model = Customer
        fields = [
            "id",
            "name",
            "account_number",
            "contact_name",
            "contact_email",
            "contact_phone",
            "report_emails",
            "notes",
            "needs_confirmation",
            "created_at",
            "archived_at",
        ]
        read_only_fields = ["needs_confirmation", "created_at", "archived_at"]


class BroadcastSerializer(serializers.Serializer):
    on = serializers.BooleanField()
    reason = serializers.CharField()


class SiteSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    customer = serializers.SlugRelatedField(slug_field="public_id", queryset=Customer.objects.active())
    scan_window_start = serializers.TimeField(
        format="%H:%M",
        required=False,
        allow_null=True,
        help_text="Local time at the site; with scan_window_end, scans run only inside the window. null: any time.",
    )
    scan_window_end = serializers.TimeField(
        format="%H:%M", required=False, allow_null=True, help_text="Before the start: the window runs past midnight."
    )
    broadcast_effective = serializers.SerializerMethodField(
        help_text="Whether discoveries broadcast, and why: only with scan_broadcast and no scan_targets."
    )

    class Meta:
        model = Site
        fields = [
            "id",
            "customer",
            "name",
            "address",
            "time_zone",
            "scan_targets",
            "scan_exclusions",
            "scan_broadcast",
            "broadcast_effective",
            "scan_rate_limit",
            "scan_window_start",
            "scan_window_end",
            "snmp_port",
            "discovery_weekdays",
            "discovery_hour",
            "agent_version_pin",
            "next_discovery_at",
            "next_read_at",
            "needs_confirmation",
            "created_at",
            "archived_at",
        ]
        read_only_fields = ["needs_confirmation", "created_at", "archived_at", "next_discovery_at", "next_read_at"]
        extra_kwargs = {
            "agent_version_pin": {
                "help_text": "The agent version this site's agents update themselves to: a published release. "
                "Empty: the portal's current release."
            },
            "scan_exclusions": {"help_text": "The never-scan list: addresses, ranges or CIDRs, one per line."},
            "scan_rate_limit": {"help_text": "SNMP packets per second, retries included; 0 means no limit."},
        }

    def validate_agent_version_pin(self, version):
        unchanged = self.instance is not None and version == self.instance.agent_version_pin
        if not unchanged and (problem := pin_problem(version)):
            raise serializers.ValidationError(problem)
        return version

    def validate_customer(self, customer):
        if self.instance is not None and customer != self.instance.customer:
            raise serializers.ValidationError("A site cannot move to another customer.")
        return customer

    def validate_scan_targets(self, text):
        return _scope(text, limit=MAX_TARGET_ADDRESSES)

    def validate_scan_exclusions(self, text):
        return _scope(text)

    def validate(self, attrs):
        start = attrs.get("scan_window_start", getattr(self.instance, "scan_window_start", None))
        end = attrs.get("scan_window_end", getattr(self.instance, "scan_window_end", None))
        if errors := window_errors(start, end):
            raise serializers.ValidationError({"scan_window_end": errors})
        return attrs

    @extend_schema_field(BroadcastSerializer)
    def get_broadcast_effective(self, site) -> dict:
        broadcast = site_broadcast(site)
        return {"on": broadcast.on, "reason": broadcast.reason}


def _scope(text: str, *, limit: int | None = None) -> str:
    if errors := scope_errors(text, limit=limit):
        raise serializers.ValidationError(errors)
    return text


class InstallCommandsSerializer(serializers.Serializer):
    linux = serializers.CharField(help_text="As root at the site: downloads, installs as a service, enrols, starts.")
    windows = serializers.CharField(help_text="In PowerShell run as administrator at the site: the same.")
    agent_url = serializers.URLField(help_text="The single-file agent (Python 3.11+).")
    checksum_url = serializers.URLField(help_text="Its sha256, in `sha256sum -c` format.")
    linux_script_url = serializers.URLField()
    windows_script_url = serializers.URLField()


class LicenseKeySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    site = serializers.SlugRelatedField(slug_field="public_id", queryset=Site.objects.active())
    # No one for a key the customer's technician got through "Get Licence Key" (the agent API's register).
    created_by = serializers.SlugRelatedField(slug_field="email", read_only=True, allow_null=True)
    state = serializers.CharField(read_only=True)
    key = serializers.SerializerMethodField(help_text="Only in the response that created it; never again.")
    install = serializers.SerializerMethodField(
        help_text="The install commands with this key filled in: only in the response that created it."
    )

    class Meta:
        model = LicenseKey
        fields = [
            "id",
            "site",
            "label",
            "prefix",
            "state",
            "created_by",
            "created_via",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
            "key",
            "install",
        ]
        read_only_fields = ["prefix", "created_via", "created_at", "last_used_at", "revoked_at"]

    def get_key(self, obj) -> str | None:
        return self.context.get("new_key_text")

    @extend_schema_field(InstallCommandsSerializer(allow_null=True))
    def get_install(self, obj):
        key = self.context.get("new_key_text")
        return install_commands(obj.site, key) if key else None


class AgentSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    site = serializers.SlugRelatedField(slug_field="public_id", read_only=True)
    update_state = serializers.SerializerMethodField(
        help_text="Self-update, in words: 'Up to date', 'Update to X offered', 'Updated from A to B', "
        "'Update to X refused: <reason>; still running A', 'Cannot self-update: running from source'."
    )

    class Meta:
        model = Agent
        fields = [
            "id",
            "site",
            "name",
            "hostname",
            "os",
            "version",
            "enrolled_at",
            "last_seen_at",
            "last_ip",
            "outbox_depth",
            "outbox_dropped",
            "networks",
            "last_error",
            "revoked_at",
            "token_issued_at",
            "token_rotation_requested_at",
            "update_state",
            "update_report",
            "local_printers",
            "local_printers_seen_at",
        ]
        read_only_fields = [f for f in fields if f != "name"]  # PATCH renames; the rest is the agent's report
        extra_kwargs = {"name": {"validators": [validate_agent_name], "required": True}}

    def get_update_state(self, agent) -> str:
        return update_state(agent)


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
        fields = [
            "id",
            "site",
            "kind",
            "status",
            "requested_by",
            "created_at",
            "leased_at",
            "completed_at",
            "progress",
            "result",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "progress": {
                "help_text": 'While a discovery runs, as its agent reports it: {"probed", "total", "found", "at"} '
                "(addresses probed of total, printers found); {} until the agent says."
            }
        }

    @extend_schema_field(DirectiveResultSummarySerializer(allow_null=True))
    def get_result(self, directive):
        result = next(iter(directive.results.all()), None)  # prefetched, newest first
        return DirectiveResultSummarySerializer(result).data if result else None


class SnmpCredentialSerializer(serializers.ModelSerializer):
    """Secrets are write-only: sent to set them, never returned (`has_*` say whether one is stored). On an update a
    secret left out or blank keeps the stored one. Validation is the service's (agents.services.credentials)."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    site = serializers.SlugRelatedField(
        slug_field="public_id",
        queryset=Site.objects.active(),
        required=False,
        allow_null=True,
        help_text="Set exactly one of site and customer.",
    )
    customer = serializers.SlugRelatedField(
        slug_field="public_id", queryset=Customer.objects.active(), required=False, allow_null=True
    )
    version = serializers.ChoiceField(choices=SnmpVersion.choices, default=SnmpVersion.V2C)
    position = serializers.IntegerField(
        min_value=0,
        max_value=1000,
        required=False,
        help_text="0 is tried first among its site's (or customer's) credentials.",
    )
    community = secret_field()
    user = serializers.CharField(source="v3_user", required=False, allow_blank=True, max_length=64)
    auth_protocol = serializers.ChoiceField(choices=AuthProtocol.choices, required=False, allow_blank=True)
    auth_key = secret_field()
    priv_protocol = serializers.ChoiceField(choices=PrivProtocol.choices, required=False, allow_blank=True)
    priv_key = secret_field()
    context = serializers.CharField(source="v3_context", required=False, allow_blank=True, max_length=64)
    has_community = serializers.SerializerMethodField()
    has_auth_key = serializers.SerializerMethodField()
    has_priv_key = serializers.SerializerMethodField()

    class Meta:
        model = SnmpCredential
        fields = [
            "id",
            "site",
            "customer",
            "label",
            "position",
            "version",
            "community",
            "user",
            "auth_protocol",
            "auth_key",
            "priv_protocol",
            "priv_key",
            "context",
            "has_community",
            "has_auth_key",
            "has_priv_key",
            "last_test",
            "created_at",
        ]
        read_only_fields = ["last_test", "created_at"]

    def get_has_community(self, obj) -> bool:
        return bool(obj.community_encrypted)

    def get_has_auth_key(self, obj) -> bool:
        return bool(obj.auth_key_encrypted)

    def get_has_priv_key(self, obj) -> bool:
        return bool(obj.priv_key_encrypted)

    def validate(self, attrs):
        if self.instance is None and bool(attrs.get("site")) == bool(attrs.get("customer")):
            raise serializers.ValidationError({"site": "Set exactly one of site and customer."})
        if self.instance is not None:
            for owner in ("site", "customer"):
                if owner in attrs and attrs[owner] != getattr(self.instance, owner):
                    raise serializers.ValidationError({owner: "A credential cannot move to another owner."})
        return attrs

    def service_fields(self) -> dict:
        """validated_data in the service's names (user, context), without the owner and position."""
        data = dict(self.validated_data)
        for source, name in (("v3_user", "user"), ("v3_context", "context")):
            if source in data:
                data[name] = data.pop(source)
        for key in ("site", "customer", "position"):
            data.pop(key, None)
        return data
