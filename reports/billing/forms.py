"""What a billing export request must say (the API's query and the portal's form alike), checked into one
ExportRequest, or one sentence that names every problem."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django import forms

from agents.models import Customer
from reports.billing.lines import MAX_PERIOD_DAYS, Period

FORMATS = [("xlsx", "Excel (.xlsx)"), ("csv", "CSV")]
DATE_INPUT = ["%Y-%m-%d"]


@dataclass(frozen=True)
class ExportRequest:
    period: Period
    file_format: str  # csv | xlsx
    customer: Customer | None


def _date_field(name: str) -> forms.DateField:
    return forms.DateField(
        input_formats=DATE_INPUT,
        error_messages={
            "required": f"The {name} date is missing: give it as YYYY-MM-DD, e.g. 2026-11-01.",
            "invalid": f"The {name} date is not a date: give it as YYYY-MM-DD, e.g. 2026-11-01.",
        },
    )


class BillingExportForm(forms.Form):
    start = _date_field("start")
    end = _date_field("end")
    format = forms.ChoiceField(
        choices=FORMATS, required=False, error_messages={"invalid_choice": "The format must be csv or xlsx."}
    )
    customer = forms.CharField(required=False)

    def clean_customer(self) -> Customer | None:
        text = self.cleaned_data["customer"].strip()
        if not text:
            return None
        try:
            public_id = uuid.UUID(text)
        except ValueError:
            raise forms.ValidationError(f"The customer id '{text[:60]}' is not a customer id (a UUID).") from None
        customer = Customer.objects.filter(public_id=public_id).first()
        if customer is None:
            raise forms.ValidationError(f"There is no customer with the id {public_id}.")
        return customer

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            raise forms.ValidationError(f"The end date {end} is before the start date {start}.")
        if start and end and (end - start).days + 1 > MAX_PERIOD_DAYS:
            raise forms.ValidationError(f"A billing period is at most {MAX_PERIOD_DAYS} days: ask for a year at most.")
        if end and end.year >= 9999:
            raise forms.ValidationError("The end date is out of range.")
        return data

    def reason(self) -> str:
        """Every problem in one line, for an API error or a message on the page."""
        return " ".join(str(message) for messages in self.errors.values() for message in messages)

    def export_request(self) -> ExportRequest:
        data = self.cleaned_data
        return ExportRequest(Period(data["start"], data["end"]), data.get("format") or "csv", data.get("customer"))
