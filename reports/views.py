from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View

from agents.models import Customer
from portal.lib.views import DealerPageMixin, EditorRequiredMixin
from portal.lib.xlsx import XLSX_CONTENT_TYPE
from reports.choices import RunStatus
from reports.forms import ReportScheduleForm
from reports.models import ReportRun, ReportSchedule
from reports.selectors import report_device_count
from reports.services.runs import report_now_refusal, report_run_queue_failed, report_run_request, report_run_retry
from reports.services.schedules import schedule_describe, schedule_save


class EmailReportNowView(EditorRequiredMixin, View):
    def post(self, request, public_id):
        customer = get_object_or_404(Customer.objects.active(), public_id=public_id)
        refusal = report_now_refusal(customer)
        if refusal:
            messages.warning(request, refusal[1])
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
    """A schedule's own page: the form for a new one, or an existing one's prefilled (Edit on the customer page)."""

    template_name = "reports/schedule_form.html"

    def get(self, request, public_id, schedule_id=None):
        customer, instance = self.objects(public_id, schedule_id)
        return self.page(customer, ReportScheduleForm(instance=instance, customer=customer))

    def post(self, request, public_id, schedule_id=None):
        customer, instance = self.objects(public_id, schedule_id)
        form = ReportScheduleForm(request.POST, instance=instance, customer=customer)
        if not form.is_valid():
            return self.page(customer, form)
        schedule = form.save(commit=False)
        schedule.customer = customer
        schedule_save(schedule=schedule)
        messages.success(request, f"Report schedule saved: {schedule_describe(schedule)}.")
        return redirect(reverse("customer-detail", args=[customer.public_id]) + "#reports")

    def objects(self, public_id, schedule_id):
        customer = get_object_or_404(Customer.objects.active(), public_id=public_id)
        instance = get_object_or_404(ReportSchedule, public_id=schedule_id, customer=customer) if schedule_id else None
        return customer, instance

    def page(self, customer, form):
        context = {
            "customer": customer,
            "form": form,
            "schedule": form.instance if form.instance.pk else None,
            "device_count": report_device_count(customer=customer),
        }
        return render(self.request, self.template_name, context)


class ScheduleDeleteView(EditorRequiredMixin, View):
    def post(self, request, public_id, schedule_id):
        get_object_or_404(ReportSchedule, public_id=schedule_id, customer__public_id=public_id).delete()
        messages.success(request, "Report schedule removed.")
        return redirect("customer-detail", public_id=public_id)


class ReportDownloadView(DealerPageMixin, View):
    def get(self, request, public_id):
        run = get_object_or_404(ReportRun.objects.exclude(workbook=None), public_id=public_id)
        response = HttpResponse(bytes(run.workbook), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{run.filename}"'
        return response
