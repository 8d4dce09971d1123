"""The two forms of a meter-reading request: whom the dealer sends the link to, and what the customer types in."""

import re
from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.formats import date_format

from meters.interpret.types import METER_LABELS
from meters.services.manual_reads import KnownMeter

MAX_RECIPIENTS = 10
# A page count as a panel shows it: digits, maybe grouped in thousands ("1,234,567", "1.234.567", "1 234 567").
COUNT_RE = re.compile(r"^(?:\d+|\d{1,3}(?:[ ,.'\u2019\u00a0\u202f]\d{3})+)$")
MAX_COUNT = 10**12


class ReadingRequestForm(forms.Form):
    recipients = forms.CharField(
        label="Send the link to", max_length=2000, help_text="One address or more, separated by commas."
    )

    def clean_recipients(self) -> list[str]:
        addresses = list(dict.fromkeys(a.lower() for a in re.split(r"[\s,;]+", self.cleaned_data["recipients"]) if a))
        for address in addresses:
            try:
                validate_email(address)
            except ValidationError:
                raise ValidationError(f"“{address[:80]}” is not an email address.") from None
        if not addresses:
            raise ValidationError("Give at least one email address.")
        if len(addresses) > MAX_RECIPIENTS:
            raise ValidationError(f"At most {MAX_RECIPIENTS} addresses, please.")
        return addresses

    def problems(self) -> str:
        return " ".join(error for errors in self.errors.values() for error in errors)


class PageCountField(forms.CharField):
    """A whole number of pages, typed as the panel shows it (thousands separators allowed, no decimals)."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"})

    def to_python(self, value) -> int | None:
        text = str(value or "").strip()
        if not text:
            return None
        if not COUNT_RE.match(text):
            raise ValidationError("Type the whole number the panel shows, digits only (no decimals or letters).")
        count = int(re.sub(r"\D", "", text))
        if count >= MAX_COUNT:
            raise ValidationError("That number is too long for a page counter: please check it.")
        return count


def when(value: datetime, tz) -> str:
    return date_format(timezone.localtime(value, tz), "j F Y")


class MeterEntryForm(forms.Form):
    """One field per billing meter the device states (total, mono and colour required), then who is typing."""

    def __init__(self, *args, meters: list[KnownMeter], last_at: datetime | None, tz, **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = [meter.kind for meter in meters]
        self.last_at, self.tz = last_at, tz
        for meter in meters:
            self.fields[meter.kind] = PageCountField(
                label=METER_LABELS.get(meter.kind, meter.kind), required=meter.required, help_text=self._help(meter)
            )
        self.fields["entered_by"] = forms.CharField(
            label="Your name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
        )

    def _help(self, meter: KnownMeter) -> str:
        return "" if meter.last is None else f"Last reading: {meter.last:,}"

    def required_meters(self) -> list:
        return [self[kind] for kind in self.kinds if self.fields[kind].required]

    def optional_meters(self) -> list:
        return [self[kind] for kind in self.kinds if not self.fields[kind].required]

    def entered(self) -> dict[str, int]:
        return {kind: self.cleaned_data[kind] for kind in self.kinds if self.cleaned_data.get(kind) is not None}

    def refuse_lower(self, too_low: dict[str, int]) -> None:
        """Tells the customer which numbers are below the last reading, and what that reading was."""
        on = f" on {when(self.last_at, self.tz)}" if self.last_at else ""
        for kind, last in too_low.items():
            self.add_error(
                kind,
                f"This is lower than the last reading we have, {last:,}{on}. Please check the number on the panel.",
            )
