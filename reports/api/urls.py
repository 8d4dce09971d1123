"""Dealer API v1 routes of the reports app (hooked into portal.urls_api beside the router's viewsets)."""

from django.urls import path

from reports.api import views

email_report = views.CustomerEmailReportView.as_view()

urlpatterns = [
    path("billing-export/", views.BillingExportView.as_view(), name="billing-export"),
    path("customers/<uuid:public_id>/email-report/", email_report, name="customer-email-report"),
]
