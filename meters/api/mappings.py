"""Dealer API v1: meter mappings (which vendor counter feeds which billing meter, per make and model)."""

from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response
from rest_framework.views import APIView

from meters import selectors
from meters.api import serializers as s
from meters.services.mappings import MappingChange, MappingInvalid, mapping_save


class MeterMappingView(APIView):
    """Dealer meter mapping: for a make and model, which vendor counter feeds which billing meter.

    GET without parameters lists every mapped model; with `manufacturer` and `model`, the model's counters
    (from the last read of its most recently read device) with the profile's reading and the dealer's choice.
    PUT (admins) replaces the model's mapping and re-derives the history of all its devices; the answer says
    what changed. Unknown kinds or OIDs answer 400 with the reasons."""

    http_method_names = ["get", "put", "head", "options"]

    @property
    def admin_only(self) -> bool:
        return self.request.method not in SAFE_METHODS

    @extend_schema(
        parameters=[OpenApiParameter("manufacturer", str), OpenApiParameter("model", str)],
        # Without `model` the list of mapped models; with it, that one model.
        responses=PolymorphicProxySerializer(
            component_name="MeterMappingAnswer",
            serializers=[s.MeterMappingSerializer(many=True), s.MeterMappingSerializer],
            resource_type_field_name=None,
            many=False,
        ),
    )
    def get(self, request):
        model = request.query_params.get("model")
        if model is None:
            return Response([_listed(entry) for entry in selectors.mapped_models()])
        manufacturer = request.query_params.get("manufacturer", "")
        return Response(s.MeterMappingSerializer(_mapping_data(manufacturer, model)).data)

    @extend_schema(request=s.MeterMappingInputSerializer, responses=s.MeterMappingChangeSerializer)
    def put(self, request):
        given = s.MeterMappingInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        manufacturer, model = given.validated_data["manufacturer"], given.validated_data["model"]
        _device, counters = selectors.model_counters(manufacturer=manufacturer, model=model)
        choices, reasons = _choices(given.validated_data["counters"], manufacturer, model)
        try:
            if reasons:
                raise MappingInvalid(reasons)
            change = mapping_save(
                manufacturer=manufacturer, model=model, choices=choices, counters=counters, by=request.user.email
            )
        except MappingInvalid as exc:
            raise ValidationError({"counters": exc.reasons}) from exc
        return Response(s.MeterMappingChangeSerializer(_change_data(change, manufacturer, model)).data)


def _choices(given: list[dict], manufacturer: str, model: str) -> tuple[dict[str, str | None], list[str]]:
    """The whole mapping PUT asks for: listed OIDs as given, saved ones left out back to the profile default."""
    saved = selectors.model_mapping(manufacturer=manufacturer, model=model)
    choices: dict[str, str | None] = dict.fromkeys(saved)
    seen, reasons = set(), []
    for item in given:
        if item["oid"] in seen:
            reasons.append(f"{item['oid']}: listed twice.")
        seen.add(item["oid"])
        choices[item["oid"]] = item["kind"]
    return choices, reasons


def _listed(entry: dict) -> dict:
    return {
        "manufacturer": entry["manufacturer"],
        "model": entry["model"],
        "device": None,
        "counters": [_row_data(row) for row in entry["rows"]],
    }


def _row_data(row) -> dict:
    return {
        "oid": row.oid,
        "label": row.label,
        "value": None,
        "profile_kind": None,
        "summed": False,
        "mappable": True,
        "kind": row.kind,
        "changed_by": row.changed_by,
        "changed_at": row.changed_at,
        "feeds": [],
    }


def _mapping_data(manufacturer: str, model: str) -> dict:
    device, counters = selectors.model_counters(manufacturer=manufacturer, model=model)
    rows = selectors.model_mapping(manufacturer=manufacturer, model=model)
    listed = [_counter_data(counter) for counter in counters]
    shown = {counter.oid for counter in counters}
    listed += [_row_data(row) for oid, row in rows.items() if oid not in shown]  # mapped on other firmware
    return {
        "manufacturer": manufacturer,
        "model": model,
        "device": device.public_id if device else None,
        "counters": listed,
    }


def _counter_data(counter: selectors.KnownCounter) -> dict:
    mapped = counter.mapped
    return {
        "oid": counter.oid,
        "label": counter.label,
        "value": counter.value,
        "profile_kind": counter.profile_kind,
        "summed": counter.summed,
        "mappable": counter.mappable,
        "kind": mapped.kind if mapped else None,
        "changed_by": mapped.changed_by if mapped else None,
        "changed_at": mapped.changed_at if mapped else None,
        "feeds": [{"kind": kind, "rule": rule} for kind, rule in counter.feeds],
    }


def _change_data(change: MappingChange, manufacturer: str, model: str) -> dict:
    done = change.rederived
    return {
        "mapping": _mapping_data(manufacturer, model),
        "changed": change.changed,
        "devices": len(done.devices) if done else 0,
        "reads": done.reads if done else 0,
        "reads_changed": done.reads_changed if done else 0,
        "summary": done.text() if done else "The mapping is unchanged: nothing was re-derived.",
        "changes": done.changed if done else [],
    }
