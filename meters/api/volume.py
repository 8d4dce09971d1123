"""Dealer API v1: pages per month, for the dealer or one customer (the overview's bars, as data)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.models import Customer
from meters.selectors import VOLUME_MONTHS, customer_volume, fleet_volume
from portal.lib.ids import uuid_param


class MonthVolumeSerializer(serializers.Serializer):
    month = serializers.DateField(help_text="The month's first day.")
    total = serializers.IntegerField(help_text="All pages printed in the month: mono + color + unsplit.")
    mono = serializers.IntegerField(help_text="Black-and-white pages, as devices state them.")
    color = serializers.IntegerField(help_text="Colour pages, as devices state them.")
    unsplit = serializers.IntegerField(
        help_text="Pages of devices that state no mono/colour split (only a total): never counted as mono."
    )


class VolumeSerializer(serializers.Serializer):
    customer = serializers.UUIDField(allow_null=True, help_text="The customer asked for; null for the whole dealer.")
    months = MonthVolumeSerializer(many=True, help_text="Oldest first, months without pages included.")


class VolumeView(APIView):
    @extend_schema(
        operation_id="volume",
        summary="Pages per month",
        description="Pages printed per month from the monthly meter rollups (flagged reads left out), for all of "
        "the dealer's customers or one. The current month counts up to the latest read.",
        parameters=[
            OpenApiParameter(
                "months", int, default=VOLUME_MONTHS, description=f"How many months, 1 to {VOLUME_MONTHS}."
            ),
            OpenApiParameter("customer", OpenApiTypes.UUID, description="One customer's pages; all if omitted."),
        ],
        responses={200: VolumeSerializer, 404: OpenApiResponse(description="No customer has this id.")},
    )
    def get(self, request):
        months = _months(request.query_params.get("months"))
        customer = uuid_param(request.query_params, "customer")
        if customer:
            get_object_or_404(Customer, public_id=customer)
            volume = customer_volume(customer_id=customer)
        else:
            volume = fleet_volume().months
        body = {"customer": customer, "months": volume[-months:]}
        return Response(VolumeSerializer(body).data)


def _months(value: str | None) -> int:
    if value in (None, ""):
        return VOLUME_MONTHS
    if not value.isdigit() or not 1 <= int(value) <= VOLUME_MONTHS:
        raise ValidationError({"months": f"'{value}' is not a number of months from 1 to {VOLUME_MONTHS}."})
    return int(value)
