"""Form fields any app's forms share: a time zone picker and an email list (portal.lib: no app's models)."""

import zoneinfo

from django import forms
from django.core.validators import validate_email
from django.utils.html import format_html

COMMON_ZONES = sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})


class TimeZoneSelect(forms.Select):
    """The zone list, then a button forms.js shows and fills in with the browser's own zone (hidden without
    script, or when the browser's zone is not in the list)."""

    def render(self, name, value, attrs=None, renderer=None):
        select = super().render(name, value, attrs, renderer)
        button = format_html(
            '<button type="button" class="button small browser-zone" data-browser-zone="#{}" hidden>'
            "Use this browser's time zone</button>",
            (attrs or {}).get("id", f"id_{name}"),
        )
        return select + button


def time_zone_field(**kwargs) -> forms.ChoiceField:
    return forms.ChoiceField(choices=[(zone, zone) for zone in COMMON_ZONES], widget=TimeZoneSelect, **kwargs)


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
