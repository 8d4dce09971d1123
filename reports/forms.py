from django import forms

from reports.choices import Cadence
from reports.models import ReportSchedule

WEEKDAYS = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]
# Which of the "when" fields each cadence uses; forms.js hides the others, clean() ignores them.
CADENCE_FIELDS = {
    Cadence.WEEKLY: {"weekday", "hour"},
    Cadence.MONTHLY: {"day_of_month", "hour"},
    Cadence.AFTER_READ: set(),
}
WHEN_FIELDS = {
    "weekday": Cadence.WEEKLY,
    "day_of_month": Cadence.MONTHLY,
    "hour": f"{Cadence.WEEKLY} {Cadence.MONTHLY}",
}


class ReportScheduleForm(forms.ModelForm):
    weekday = forms.TypedChoiceField(
        choices=WEEKDAYS, coerce=int, initial=0, required=False, help_text="Weekly reports go out on this day."
    )
    day_of_month = forms.IntegerField(
        min_value=1,
        max_value=31,
        initial=1,
        required=False,
        label="Day of month",
        help_text="Monthly reports: 1-31; in shorter months, the last day.",
    )
    hour = forms.TypedChoiceField(
        choices=[(h, f"{h:02d}:00") for h in range(24)],
        coerce=int,
        initial=7,
        required=False,
        help_text="Local time of the customer's main site.",
    )

    class Meta:
        model = ReportSchedule
        fields = ["site", "cadence", "weekday", "day_of_month", "hour", "copy_dealer", "is_enabled"]
        labels = {"copy_dealer": "Send the dealer a copy", "is_enabled": "Enabled", "cadence": "Frequency"}

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = customer.sites.active()
        self.fields["site"].empty_label = "All sites"
        self.fields["cadence"].widget.attrs["data-cadence-select"] = ""
        for name, cadences in WHEN_FIELDS.items():
            self.fields[name].widget.attrs["data-cadence-only"] = cadences

    def clean(self):
        """Only the fields of the chosen frequency count: a weekday sent with a monthly schedule (the browser
        posts every field when script is off) is ignored, and the unused ones keep their stored values."""
        cleaned = super().clean()
        used = CADENCE_FIELDS.get(cleaned.get("cadence"), set())
        for name in WHEN_FIELDS:
            if name not in used:
                self._errors.pop(name, None)  # a hidden field's leftover value, even a bad one, does not count
            elif cleaned.get(name) in (None, "") and name not in self._errors:
                self.add_error(name, "Needed for this frequency.")
            if name not in used or name in self._errors:
                cleaned[name] = getattr(self.instance, name)
        return cleaned
