from django import forms

from agents.choices import AuthProtocol, PrivProtocol, SnmpVersion
from agents.models import Customer, Site
from agents.scan_scope import window_errors
from agents.services.agent_releases import pin_choices, pin_problem
from portal.lib.addresses import MAX_TARGET_ADDRESSES, scope_errors
from portal.lib.forms import EmailListField, time_zone_field


class CustomerForm(forms.ModelForm):
    report_emails = EmailListField(required=False, label="Report recipients")

    class Meta:
        model = Customer
        fields = ["name", "account_number", "contact_name", "contact_email", "contact_phone", "report_emails", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


WEEKDAYS = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]


class SiteForm(forms.ModelForm):
    time_zone = time_zone_field(help_text="New sites start in the dealer's time zone (Dealer settings).")
    discovery_weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Days the agent scans the network. None ticked: the dealer's default days.",
    )
    discovery_hour = forms.TypedChoiceField(
        choices=[("", "Dealer default"), *[(h, f"{h:02d}:00") for h in range(24)]],
        coerce=int,
        empty_value=None,
        required=False,
        help_text="Local time at the site.",
    )
    agent_version_pin = forms.ChoiceField(
        label="Agent version",
        required=False,
        help_text="The version this site's agents update themselves to. Current: the portal's own, as it moves on.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = pin_choices()  # published releases, read from disk per form
        pinned = self.instance.agent_version_pin
        if pinned and pinned not in dict(choices):  # pinned to a release since removed: still shown
            choices.append((pinned, f"{pinned} (no longer published)"))
        self.fields["agent_version_pin"].choices = choices

    def clean_agent_version_pin(self):
        version = self.cleaned_data["agent_version_pin"]
        if version != self.instance.agent_version_pin and (problem := pin_problem(version)):
            raise forms.ValidationError(problem)
        return version

    class Meta:
        model = Site
        fields = [
            "name",
            "address",
            "time_zone",
            "scan_targets",
            "scan_exclusions",
            "scan_broadcast",
            "scan_rate_limit",
            "scan_window_start",
            "scan_window_end",
            "snmp_port",
            "discovery_weekdays",
            "discovery_hour",
            "agent_version_pin",
        ]
        widgets = {
            "address": forms.Textarea(attrs={"rows": 2}),
            "scan_targets": forms.Textarea(attrs={"rows": 3, "placeholder": "192.168.1.0/24\n10.0.0.5-10.0.0.40"}),
            "scan_exclusions": forms.Textarea(attrs={"rows": 2, "placeholder": "192.168.1.1\n192.168.1.200-220"}),
            "scan_window_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "scan_window_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        labels = {
            "snmp_port": "SNMP port",
            "scan_exclusions": "Never scan",
            "scan_broadcast": "Broadcast",
            "scan_rate_limit": "Packets per second",
            "scan_window_start": "Scan window from",
            "scan_window_end": "Scan window until",
        }
        help_texts = {
            "scan_exclusions": "Addresses, ranges or networks the agent never sends a packet to, one per line.",
            "scan_broadcast": "Also ask every host of the agent's own networks at once. Only without scan targets.",
            "scan_rate_limit": "SNMP packets per second the agent may send, retries included; 0 means no limit.",
            "scan_window_start": "Local time at the site. Scheduled scans wait for the window; empty: any time.",
            "scan_window_end": "May be past midnight: 18:00 until 08:00 scans only at night.",
        }

    def clean_scan_targets(self):
        return _scope_field(self.cleaned_data["scan_targets"], limit=MAX_TARGET_ADDRESSES)

    def clean_scan_exclusions(self):
        return _scope_field(self.cleaned_data["scan_exclusions"])

    def clean(self):
        cleaned = super().clean()
        for message in window_errors(cleaned.get("scan_window_start"), cleaned.get("scan_window_end")):
            self.add_error("scan_window_end", message)
        return cleaned


def _scope_field(text: str, *, limit: int | None = None) -> str:
    if errors := scope_errors(text, limit=limit):
        raise forms.ValidationError(errors)
    return text


class LicenseKeyForm(forms.Form):
    label = forms.CharField(max_length=100, required=False, help_text="e.g. the PC the agent goes on")
    expires_in_days = forms.IntegerField(
        min_value=1, max_value=3650, required=False, help_text="Leave empty for a key that does not expire."
    )


def _secret_input() -> forms.PasswordInput:
    # Never rendered back; "new-password" keeps browsers from filling in the user's own sign-in password.
    return forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password", "spellcheck": "false"})


class SnmpCredentialForm(forms.Form):
    """Plain fields: what is valid (key lengths, privacy needs authentication) is the service's to say
    (agents.services.credentials), so the form, the API and the admin refuse the same things."""

    label = forms.CharField(max_length=100, required=False, help_text="e.g. the customer's name for it")
    version = forms.ChoiceField(choices=SnmpVersion.choices, initial=SnmpVersion.V2C, label="SNMP version")
    community = forms.CharField(
        max_length=128, required=False, strip=False, widget=_secret_input(), help_text="SNMPv1/v2c only."
    )
    user = forms.CharField(max_length=64, required=False, label="SNMPv3 user")
    auth_protocol = forms.ChoiceField(choices=AuthProtocol.choices, required=False, label="Authentication")
    auth_key = forms.CharField(
        max_length=128,
        required=False,
        strip=False,
        widget=_secret_input(),
        label="Authentication key",
        help_text="At least 8 characters.",
    )
    priv_protocol = forms.ChoiceField(choices=PrivProtocol.choices, required=False, label="Privacy")
    priv_key = forms.CharField(
        max_length=128,
        required=False,
        strip=False,
        widget=_secret_input(),
        label="Privacy key",
        help_text="At least 8 characters.",
    )
    context = forms.CharField(max_length=64, required=False, label="SNMPv3 context", help_text="Usually empty.")

    def __init__(self, *args, stored=None, **kwargs):
        """`stored`: the credential being edited; its secrets are never shown, a blank field keeps them."""
        super().__init__(*args, **kwargs)
        if stored is None:
            return
        for name, field in (
            ("community", "community_encrypted"),
            ("auth_key", "auth_key_encrypted"),
            ("priv_key", "priv_key_encrypted"),
        ):
            if getattr(stored, field):
                self.fields[name].help_text = "Stored. Leave blank to keep it; type a new one to replace it."
                self.fields[name].widget.attrs["placeholder"] = "••••••••"

    def add_service_errors(self, errors: dict[str, str]) -> None:
        for name, message in errors.items():
            self.add_error(name if name in self.fields else None, message)


class AgentNameForm(forms.Form):
    """The dealer's name for an agent; blank gives back the default (hostname @ site)."""

    name = forms.CharField(max_length=100, required=False)  # Agent.name

    def clean_name(self) -> str:
        from agents.services.enrolment import validate_agent_name

        name = self.cleaned_data["name"]
        validate_agent_name(name)
        return name
