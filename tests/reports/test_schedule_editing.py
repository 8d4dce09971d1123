"""Report schedules as a dealer works them: every new customer starts with a monthly report on the 1st (and is
told so), a schedule opens prefilled for editing, only the frequency's own fields count, and a customer with no
devices is never emailed an empty report: the dealer is told instead."""

import re
from zoneinfo import ZoneInfo

from django.core import mail

from agents.models import Customer
from reports.choices import Cadence, RunStatus
from reports.models import OutboundEmail, ReportRun, ReportSchedule
from reports.services.schedules import schedules_dispatch_due
from reports.tasks import run_report, send_email
from tests.support.factories import make_site
from tests.support.personas import client_for


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def schedule_form(**fields) -> dict:
    return {"cadence": "monthly", "weekday": 0, "day_of_month": 1, "hour": 7, "is_enabled": "on", **fields}


def test_a_new_customer_gets_a_monthly_report_to_the_dealer_and_is_told(acme):
    client = client_for(acme, acme.technician)
    response = client.post("/customers/new/", {"name": "Fresh Dental", "report_emails": ""}, follow=True)
    assert "monthly meter report on the 1st sent to you" in text_of(response)
    customer = Customer.objects.get(name="Fresh Dental")
    (schedule,) = customer.report_schedules.all()
    assert (schedule.cadence, schedule.day_of_month, schedule.copy_dealer, schedule.is_enabled) == (
        Cadence.MONTHLY,
        1,
        True,
        True,
    )
    local = schedule.next_run_at.astimezone(ZoneInfo(acme.dealer.time_zone))  # no site yet: the dealer's zone
    assert (local.day, local.hour) == (1, 7)
    panel = text_of(client.get(f"/customers/{customer.public_id}/"))
    assert "Monthly on day 1 at 07:00" in panel and "Set up when the customer was created" in panel


def test_edit_opens_the_schedule_prefilled_and_saves_it_in_place(acme):
    site = make_site()
    (schedule,) = site.customer.report_schedules.all()
    client = client_for(acme, acme.technician)
    panel = client.get(f"/customers/{site.customer.public_id}/").content.decode()
    edit_url = f"/customers/{site.customer.public_id}/schedules/{schedule.public_id}/"
    assert f'href="{edit_url}"' in panel

    page = client.get(edit_url).content.decode()
    assert re.search(r'<option value="monthly" selected>', page) and 'name="day_of_month" value="1"' in page

    response = client.post(edit_url, schedule_form(cadence="weekly", weekday=4, hour=8), follow=True)
    assert "Report schedule saved: weekly on Friday at 08:00." in text_of(response)
    (schedule,) = site.customer.report_schedules.all()  # the same one, changed; not a second
    local = schedule.next_run_at.astimezone(site.tzinfo)
    assert (schedule.cadence, local.weekday(), local.hour) == ("weekly", 4, 8)


def test_only_the_chosen_frequencys_day_counts(acme):
    """Without script the form posts both days: a monthly schedule ignores the weekday, even a bad one."""
    site = make_site()
    client = client_for(acme, acme.technician)
    url = f"/customers/{site.customer.public_id}/schedules/"
    assert client.post(url, schedule_form(day_of_month=15, weekday=4)).status_code == 302
    monthly = ReportSchedule.objects.get(customer=site.customer, day_of_month=15)
    assert monthly.weekday == 0
    assert client.post(url, schedule_form(cadence="weekly", weekday=2, day_of_month=99)).status_code == 302
    weekly = ReportSchedule.objects.get(customer=site.customer, cadence="weekly")
    assert (weekly.weekday, weekly.day_of_month) == (2, 1)


def test_a_missing_day_shows_the_form_again_with_the_reason(acme):
    site = make_site()
    client = client_for(acme, acme.technician)
    response = client.post(f"/customers/{site.customer.public_id}/schedules/", schedule_form(day_of_month=""))
    assert response.status_code == 200 and "Needed for this frequency." in text_of(response)
    assert site.customer.report_schedules.count() == 1  # only the default


def test_the_schedule_form_marks_which_fields_each_frequency_uses(acme):
    site = make_site()
    page = client_for(acme, acme.technician).get(f"/customers/{site.customer.public_id}/schedules/").content.decode()
    assert re.search(r'name="weekday"[^>]*data-cadence-only="weekly"', page)
    assert re.search(r'name="day_of_month"[^>]*data-cadence-only="monthly"', page)
    assert "data-cadence-select" in page


def test_email_report_now_with_no_devices_warns_and_sends_nothing(acme, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    site = make_site(customer_name="Empty Fleet")
    client = client_for(acme, acme.technician)
    panel = text_of(client.get(f"/customers/{site.customer.public_id}/"))
    assert "No monitored devices yet, so a report would be empty" in panel
    response = client.post(f"/customers/{site.customer.public_id}/email-report/", follow=True)
    assert "has no monitored devices yet, so its report would be empty: nothing was emailed" in text_of(response)
    assert not ReportRun.objects.filter(customer=site.customer).exists() and not mail.outbox


def test_a_scheduled_report_of_no_devices_tells_the_dealer_not_the_customer(acme, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    acme.dealer.notification_emails = ["service@acme.example"]
    acme.dealer.save()
    site = make_site(customer_name="Empty Fleet")
    (schedule,) = site.customer.report_schedules.all()
    schedules_dispatch_due(now=schedule.next_run_at)  # every due schedule of the dealer: count not checked
    run = ReportRun.objects.get(schedule=schedule)
    run_report(str(run.public_id))
    for email in OutboundEmail.objects.filter(status="pending"):
        send_email(str(email.public_id))  # the task: sends, then the run shows what the email did

    (message,) = mail.outbox
    assert message.to == ["service@acme.example"] and not message.attachments
    assert "not sent (no devices)" in message.subject and site.customer.name in message.subject
    assert "it@contoso.example" in message.body  # who would have had it
    run.refresh_from_db()
    assert run.status == RunStatus.SENT and run.device_count == 0 and "not sent to the customer" in run.error
    panel = text_of(client_for(acme, acme.technician).get(f"/customers/{site.customer.public_id}/"))
    assert "No devices to report: not sent to the customer" in panel
