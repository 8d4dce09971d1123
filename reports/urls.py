from django.urls import path

from reports import views
from reports.billing.views import BillingExportDownloadView

urlpatterns = [
    path("customers/<uuid:public_id>/email-report/", views.EmailReportNowView.as_view(), name="customer-email-report"),
    path("customers/<uuid:public_id>/schedules/", views.ScheduleSaveView.as_view(), name="schedule-create"),
    path(
        "customers/<uuid:public_id>/schedules/<uuid:schedule_id>/",
        views.ScheduleSaveView.as_view(),
        name="schedule-update",
    ),
    path(
        "customers/<uuid:public_id>/schedules/<uuid:schedule_id>/delete/",
        views.ScheduleDeleteView.as_view(),
        name="schedule-delete",
    ),
    path("reports/<uuid:public_id>/download/", views.ReportDownloadView.as_view(), name="report-download"),
    path("billing-export/", BillingExportDownloadView.as_view(), name="billing-export"),
]
