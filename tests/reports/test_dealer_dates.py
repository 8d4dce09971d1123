"""A date prints one way for a dealer: the customer page, the report email and the Excel report agree, in the
dealer's locale (docs/wording.md, "Dates")."""

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from reports.models import OutboundEmail
from reports.services.runs import report_run_request
from reports.tasks import run_report
from tests.meters.ingest_support import discover, new_agent
from tests.support.factories import make_site
from tests.support.personas import client_for


def written(day: date, locale: str) -> str:
    """How a dealer of `locale` writes a date: 28 Nov 2026 (British) or Nov 28, 2026 (American)."""
    return f"{day.day} {day:%b %Y}" if locale == "en-gb" else f"{day:%b} {day.day}, {day.year}"


@pytest.mark.parametrize(("locale", "excel_day"), [("en-gb", "d mmm yyyy"), ("en-us", "mmm d, yyyy")])
def test_the_report_period_reads_the_same_on_the_page_in_the_email_and_in_excel(acme, settings, locale, excel_day):
    settings.DEALER_LOCALE = locale
    site = make_site(customer_name=f"Dates {locale}")
    discover(new_agent(site=site), "konica_c250i", "10.9.7.1")
    run = report_run_request(customer=site.customer, requested_by="test")
    run_report(str(run.public_id))
    run.refresh_from_db()
    end = written(run.period_end, locale)

    email = OutboundEmail.objects.get(report_run=run)
    assert end in email.subject and end in email.text_body and end in email.html_body
    page = client_for(acme, acme.viewer).get(f"/customers/{site.customer.public_id}/").content.decode()
    assert f"\u2013 {end}" in page  # the period on the customer page: "1 Nov to 30 Nov 2026" with a dash
    other = written(run.period_end, "en-us" if locale == "en-gb" else "en-gb")
    assert other not in email.text_body and other not in page

    summary = load_workbook(io.BytesIO(bytes(run.workbook)))["Summary"]
    formats = {cell.number_format for row in summary.iter_rows() for cell in row if cell.is_date}
    assert excel_day in formats and not any(f.startswith("yyyy-mm-dd") for f in formats)
