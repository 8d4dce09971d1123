from agents.models import Customer
from portal.accounts.services import api_token_create
from reports.models import ReportRun, ReportSchedule
from tests.meters.ingest_support import discover, new_agent
from tests.support.factories import make_site
from tests.support.personas import api_client_for, client_for


def test_email_report_now_from_the_customer_page(acme, django_capture_on_commit_callbacks):
    site = make_site()
    discover(new_agent(site=site), "konica_c250i", "10.9.0.1")
    client = client_for(acme, acme.technician)
    response = client.post(f"/customers/{site.customer.public_id}/email-report/")
    assert response.status_code == 302
    run = ReportRun.objects.get(customer=site.customer)
    assert run.requested_by == "tech@acme.example" and run.recipients == ["it@contoso.example"]


def test_email_report_now_needs_recipients(acme):
    customer = Customer.objects.create(name="Nobody To Tell")
    client = client_for(acme, acme.technician)
    client.post(f"/customers/{customer.public_id}/email-report/")
    assert not ReportRun.objects.filter(customer=customer).exists()


def test_a_technician_adds_a_weekly_schedule_and_sees_when_it_runs_next(acme):
    site = make_site()
    client = client_for(acme, acme.technician)
    form = {"cadence": "weekly", "weekday": 4, "hour": 8, "day_of_month": 1, "is_enabled": "on"}
    response = client.post(f"/customers/{site.customer.public_id}/schedules/", form)
    assert response.status_code == 302
    schedule = ReportSchedule.objects.get(customer=site.customer, cadence="weekly")
    local = schedule.next_run_at.astimezone(site.tzinfo)
    assert (local.weekday(), local.hour) == (4, 8)
    panel = client.get(f"/customers/{site.customer.public_id}/").content.decode()
    assert "Friday" in panel


def test_viewers_cannot_email_or_schedule(acme):
    site = make_site()
    client = client_for(acme, acme.viewer)
    assert client.post(f"/customers/{site.customer.public_id}/email-report/").status_code == 403
    assert client.post(f"/customers/{site.customer.public_id}/schedules/", {"cadence": "weekly"}).status_code == 403


def test_email_report_now_through_the_api(acme):
    site = make_site()
    discover(new_agent(site=site), "konica_c250i", "10.9.3.1")  # a report of no device is refused (400)
    _token, text = api_token_create(user=acme.technician, name="erp")
    client = client_for(acme)
    response = client.post(
        f"/api/v1/customers/{site.customer.public_id}/email-report/", HTTP_AUTHORIZATION=f"Token {text}"
    )
    assert response.status_code == 202
    assert ReportRun.objects.filter(public_id=response.json()["report_id"]).exists()


def test_email_report_now_through_the_api_needs_recipients_and_an_editor(acme, beta):
    site = make_site()
    nobody = Customer.objects.create(name="Nobody To Tell")
    editor = api_client_for(acme, acme.technician)
    refused = editor.post(f"/api/v1/customers/{nobody.public_id}/email-report/")
    assert refused.status_code == 400 and "no report recipients" in str(refused.json())
    url = f"/api/v1/customers/{site.customer.public_id}/email-report/"
    empty = editor.post(url)  # recipients, but no device yet: the same refusal as the page's
    assert empty.status_code == 400 and "no monitored devices yet" in str(empty.json())
    assert api_client_for(acme, acme.viewer).post(url).status_code == 403
    assert api_client_for(beta, beta.admin).post(url).status_code == 404
    assert not ReportRun.objects.filter(customer__in=[site.customer, nobody]).exists()
