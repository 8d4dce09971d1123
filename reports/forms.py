from django import forms

from reports.models import ReportSchedule

WEEKDAYS = [(0, "Monday"), (1, "Tuesday"), (2, "Wednesday"), (3, "Thursday"), (4, "Friday"), (5, "Saturday"),
            (6, "Sunday")]  # fmt: skip


class ReportScheduleForm(forms.ModelForm):
    weekday = forms.TypedChoiceField(choices=WEEKDAYS, coerce=int, initial=0)
    hour = forms.TypedChoiceField(choices=[(h, f"{h:02d}:00") for h in range(24)], coerce=int, initial=7)

    class Meta:
        model = ReportSchedule
        fields = ["site", "cadence", "weekday", "day_of_month", "hour", "copy_dealer", "is_enabled"]
        labels = {"copy_dealer": "Send the dealer a copy", "is_enabled": "Enabled"}

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = customer.sites.active()
        self.fields["site"].empty_label = "All sites"
        self.fields["day_of_month"].widget.attrs.update(min=1, max=31)
