import zoneinfo

from django import forms
from django.core.validators import validate_email

from agents.models import Customer, Site

COMMON_ZONES = sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})


class EmailListField(forms.CharField):
    """Report recipients, one per line or separated by commas."""

    widget = forms.Textarea(attrs={"rows": 3, "placeholder": "accounts@customer.example"})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        text = super().to_python(value) or ""
        emails = [part.strip().lower() for part in text.replace(",", "\n").replace(";", "\n").splitlines()]
        return [email for email in emails if email]

    def validate(self, value):
        super().validate(value)
        for email in value:
            try:
                validate_email(email)
            except forms.ValidationError as exc:
                raise forms.ValidationError(f"'{email}' is not an email address.") from exc


class CustomerForm(forms.ModelForm):
    report_emails = EmailListField(required=False, label="Report recipients")

    class Meta:
        model = Customer
        fields = ["name", "account_number", "contact_name", "contact_email", "contact_phone", "report_emails", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


WEEKDAYS = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]


class SiteForm(forms.ModelForm):
    time_zone = forms.ChoiceField(choices=[(zone, zone) for zone in COMMON_ZONES], initial="UTC")
    discovery_weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS, coerce=int, required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Days the agent scans the network. None ticked: the dealer's default days.",
    )  # fmt: skip
    discovery_hour = forms.TypedChoiceField(
        choices=[("", "Dealer default"), *[(h, f"{h:02d}:00") for h in range(24)]], coerce=int, empty_value=None,
        required=False, help_text="Local time at the site.",
    )  # fmt: skip

    class Meta:
        model = Site
        fields = ["name", "address", "time_zone", "scan_targets", "scan_exclusions", "scan_rate_limit", "snmp_port",
                  "discovery_weekdays", "discovery_hour"]  # fmt: skip
        widgets = {
            "address": forms.Textarea(attrs={"rows": 2}),
            "scan_targets": forms.Textarea(attrs={"rows": 3, "placeholder": "192.168.1.0/24\n10.0.0.5-10.0.0.40"}),
            "scan_exclusions": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {"snmp_port": "SNMP port"}


class LicenseKeyForm(forms.Form):
    label = forms.CharField(max_length=100, required=False, help_text="e.g. the PC the agent goes on")
    expires_in_days = forms.IntegerField(
        min_value=1, max_value=3650, required=False, help_text="Leave empty for a key that does not expire."
    )
