"""Dealer API v1 for reports: the billing export an ERP imports (docs/billing-export.md), and a customer's meter
report emailed now."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.models import Customer
from portal.lib.xlsx import XLSX_CONTENT_TYPE
from reports.billing.forms import BillingExportForm
from reports.billing.responses import CSV_CONTENT_TYPE, billing_export_response
from reports.services.runs import report_now_refusal, report_run_request


class BadExportRequest(APIException):
    status_code = 400
    default_code = "invalid"


class ErrorsAsJson(BaseContentNegotiation):
    """`?format=` names the export's file type here, not a DRF renderer (DRF would answer 404 for "csv"): the
    file is a plain Django response, and errors are always JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


DATE_HELP = "A whole day, YYYY-MM-DD, in each device's site time zone."
FILE_HELP = "The export as an attachment: CSV (UTF-8, header row) or XLSX (sheets Billing and About), by `format`."


class BillingExportView(APIView):
    renderer_classes = [JSONRenderer]
    content_negotiation_class = ErrorsAsJson

    @extend_schema(
        operation_id="billing_export",
        summary="Billing export: start and end meters, usage per meter and open flags, per device",
        description=(
            "One row per monitored device: the start and end reads of the period with their times, each billing "
            "meter's start value, end value and usage, and the device's open flags. Streamed as CSV or built as "
            "XLSX. Columns, rules and notes: docs/billing-export.md. Viewers may export."
        ),
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, required=True, description=f"First day. {DATE_HELP}"),
            OpenApiParameter("end", OpenApiTypes.DATE, required=True, description=f"Last day, included. {DATE_HELP}"),
            OpenApiParameter("format", str, enum=["csv", "xlsx"], default="csv", description="The file type."),
            OpenApiParameter("customer", OpenApiTypes.UUID, description="One customer's devices; all if omitted."),
        ],
        responses={
            (200, CSV_CONTENT_TYPE.split(";")[0]): OpenApiResponse(OpenApiTypes.BINARY, description=FILE_HELP),
            (200, XLSX_CONTENT_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description=FILE_HELP),
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description='`{"detail": "<the reason>", "code": "invalid"}`: a missing or bad date, the end before '
                "the start, a period over 366 days, an unknown format, or a customer id that is not a UUID or not "
                "one of yours.",
            ),
        },
    )
    def get(self, request):
        form = BillingExportForm(request.query_params)
        if not form.is_valid():
            raise BadExportRequest(form.reason())
        return billing_export_response(form.export_request())


class CustomerEmailReportView(GenericAPIView):
    """POST /customers/<id>/email-report/: here rather than on agents' CustomerViewSet, because agents must not
    import reports. Technicians and admins (RolePermission); archived customers are not found, as in the list."""

    queryset = Customer.objects.active()
    lookup_field = "public_id"

    @extend_schema(
        operation_id="customers_email_report_create",
        request=None,
        responses={
            202: dict,
            400: OpenApiResponse(description="The customer has no report recipients, or no monitored devices."),
        },
        description="Build the meter report now and email it.",
    )
    def post(self, request, public_id):
        customer = self.get_object()
        refusal = report_now_refusal(customer)
        if refusal:
            raise ValidationError(dict([refusal]))
        run = report_run_request(customer=customer, requested_by=request.user.email)
        return Response({"report_id": str(run.public_id), "status": run.status}, status=202)
