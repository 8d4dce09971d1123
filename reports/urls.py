from django.urls import path

from reports import views
from reports.billing.views import BillingExportDownloadView
from reports.readings import views as readings

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
    path("reports/<uuid:public_id>/retry/", views.ReportRetryView.as_view(), name="report-retry"),
    path("billing-export/", BillingExportDownloadView.as_view(), name="billing-export"),
    path(
        "devices/<uuid:public_id>/reading-requests/",
        readings.ReadingRequestSendView.as_view(),
        name="device-reading-request",
    ),
    path(
        "reading-requests/<uuid:public_id>/cancel/",
        readings.ReadingRequestCancelView.as_view(),
        name="reading-request-cancel",
    ),
    # The customer's pages behind the emailed link: no sign-in.
    path("meter-reading/<str:token>/", readings.ReadingLinkView.as_view(), name="reading-link"),
    path("meter-reading/r/<uuid:public_id>/", readings.ReadingFormView.as_view(), name="reading-form"),
    path("meter-reading/r/<uuid:public_id>/thanks/", readings.ReadingThanksView.as_view(), name="reading-thanks"),
]
