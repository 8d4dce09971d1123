from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views import View

from agents.models import Customer
from portal.lib.views import DealerPageMixin, EditorRequiredMixin
from reports.choices import RunStatus
from reports.excel.builder import CONTENT_TYPE
from reports.forms import ReportScheduleForm
from reports.models import ReportRun, ReportSchedule
from reports.services.runs import report_run_queue_failed, report_run_request, report_run_retry
from reports.services.schedules import schedule_save


class EmailReportNowView(EditorRequiredMixin, View):
    def post(self, request, public_id):
        customer = get_object_or_404(Customer.objects.active(), public_id=public_id)
        if not customer.report_emails:
            messages.error(request, f"{customer.name} has no report recipients yet: add them first.")
        else:
            copy_dealer = bool(request.POST.get("copy_dealer"))
            run = report_run_request(customer=customer, requested_by=request.user.email, copy_dealer=copy_dealer)
            if report_run_queue_failed(run):
                messages.warning(request, queue_down_message(customer.name))
            else:
                messages.success(request, f"The meter report for {customer.name} is being built and emailed.")
        return redirect("customer-detail", public_id=customer.public_id)


def queue_down_message(name: str) -> str:
    # Asking again reuses the waiting run (report_run_request): clicking again never emails twice.
    return (
        f"The task queue is not answering, so the meter report for {name} could not be started yet. It is saved "
        "and will go out on its own once the queue is back; if it has not arrived, try again shortly."
    )


class ReportRetryView(EditorRequiredMixin, View):
    """A failed report again: its email re-sent if the workbook was built, else built and emailed."""

    def post(self, request, public_id):
        run = get_object_or_404(ReportRun.objects.defer("workbook").select_related("customer"), public_id=public_id)
        if run.status != RunStatus.FAILED:
            messages.info(request, "That report has not failed: nothing to retry.")
        elif report_run_retry(run=run):
            messages.success(request, f"The meter report for {run.customer.name} is being sent again.")
        else:
            messages.warning(request, queue_down_message(run.customer.name))
        return redirect("customer-detail", public_id=run.customer.public_id)


class ScheduleSaveView(EditorRequiredMixin, View):
    def post(self, request, public_id, schedule_id=None):
        customer = get_object_or_404(Customer.objects.active(), public_id=public_id)
        instance = get_object_or_404(ReportSchedule, public_id=schedule_id, customer=customer) if schedule_id else None
        form = ReportScheduleForm(request.POST, instance=instance, customer=customer)
        if form.is_valid():
            schedule = form.save(commit=False)
            schedule.customer = customer
            schedule_save(schedule=schedule)
            messages.success(request, "Report schedule saved.")
        else:
            problems = "; ".join(f"{field}: {errors[0]}" for field, errors in form.errors.items())
            messages.error(request, f"The schedule was not saved: {problems}")
        return redirect("customer-detail", public_id=customer.public_id)


class ScheduleDeleteView(EditorRequiredMixin, View):
    def post(self, request, public_id, schedule_id):
        get_object_or_404(ReportSchedule, public_id=schedule_id, customer__public_id=public_id).delete()
        messages.success(request, "Report schedule removed.")
        return redirect("customer-detail", public_id=public_id)


class ReportDownloadView(DealerPageMixin, View):
    def get(self, request, public_id):
        run = get_object_or_404(ReportRun.objects.exclude(workbook=None), public_id=public_id)
        response = HttpResponse(bytes(run.workbook), content_type=CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{run.filename}"'
        return response
