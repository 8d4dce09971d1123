"""Dealer API v1 routes of the reports app (hooked into portal.urls_api beside the router's viewsets)."""

from django.urls import path

from reports.api import views

urlpatterns = [
    path("billing-export/", views.BillingExportView.as_view(), name="billing-export"),
]
