"""The meter mapping page of a device's model: which vendor counter feeds which billing meter. Admins only."""

from django.contrib import messages
from django.db.models import QuerySet
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.views.generic import View

from meters import selectors
from meters.interpret.mapping import NOT_BILLED
from meters.interpret.types import BILLING_KINDS, METER_LABELS, RULE_TEXTS
from meters.models import Device
from meters.services.mappings import MappingInvalid, mapping_save
from portal.lib.views import AdminRequiredMixin, PublicIdObjectMixin

DEFAULT = "default"  # the form's "profile default": no mapping row
NONE = "none"  # the form's "not billed"
FIELD_PREFIX = "counter:"


def kind_choices() -> list[tuple[str, str]]:
    """The select of each counter: profile default, not billed, then every billing meter."""
    return [(DEFAULT, "Profile default"), (NONE, "Not billed")] + [(k, METER_LABELS.get(k, k)) for k in BILLING_KINDS]


def counter_rows(counters: list[selectors.KnownCounter]) -> list[dict]:
    """Each counter as the page shows it: the chosen option and how its billing kind came about."""
    return [{"counter": c, "chosen": _chosen(c), "how": how_text(c), "feeds": feeds_text(c)} for c in counters]


def _chosen(counter: selectors.KnownCounter) -> str:
    if counter.mapped is None:
        return DEFAULT
    return counter.mapped.kind or NONE


def how_text(counter: selectors.KnownCounter) -> str:
    """'Mapped to Mono by admin@… on 28 Nov 2026 (profile: Print mono)' or 'Profile: Print mono'."""
    profile = _profile_text(counter)
    if counter.mapped is None:
        return f"Profile: {profile}"
    target = METER_LABELS.get(counter.mapped.kind, counter.mapped.kind) if counter.mapped.kind else "not billed"
    by = counter.mapped.changed_by or "an admin"
    on = date_format(timezone.localtime(counter.mapped.changed_at), "DATE_FORMAT")
    return f"Mapped to {target} by {by} on {on} (profile: {profile})"


def _profile_text(counter: selectors.KnownCounter) -> str:
    if counter.profile_kind not in BILLING_KINDS:
        return f"{METER_LABELS.get(counter.profile_kind, 'not classified')} (not billed)"
    part = " (one row of the sum)" if counter.summed else ""
    return f"{METER_LABELS.get(counter.profile_kind, counter.profile_kind)}{part}"


def feeds_text(counter: selectors.KnownCounter) -> str:
    """The billing meters the counter feeds now, with the rule: 'Mono (print + copy + fax, …)'."""
    return "; ".join(f"{METER_LABELS.get(kind, kind)} ({RULE_TEXTS.get(rule, rule)})" for kind, rule in counter.feeds)


class DeviceMeterMappingView(AdminRequiredMixin, PublicIdObjectMixin, View):
    """GET: the device's counters from its last read with a select each. POST: saves the model's mapping and
    re-derives the history of every device of the model, then shows what changed."""

    model = Device
    template_name = "meters/device_mapping.html"

    def get_queryset(self) -> QuerySet[Device]:
        return selectors.device_detail(queryset=Device.objects.all())

    def get(self, request, public_id):
        device = self.get_object()
        return self._render(device, selectors.device_counters(device=device))

    def post(self, request, public_id):
        device = self.get_object()
        counters = selectors.device_counters(device=device)
        choices = {c.oid: _choice(request.POST.get(FIELD_PREFIX + c.oid)) for c in counters if c.mappable}
        try:
            change = mapping_save(
                manufacturer=device.manufacturer,
                model=device.model,
                choices=choices,
                counters=counters,
                by=request.user.email,
            )
        except MappingInvalid as exc:
            return self._render(device, counters, errors=exc.reasons, status=400)
        if not change.changed:
            messages.info(request, "The mapping is unchanged: nothing was re-derived.")
        elif change.rederived is not None:
            messages.success(request, f"Meter mapping saved. {change.rederived.text()}")
        return self._render(device, selectors.device_counters(device=device), change=change)

    def _render(self, device, counters, *, errors=(), change=None, status=200):
        same_model = Device.objects.filter(manufacturer=device.manufacturer, model=device.model)
        context = {
            "device": device,
            "rows": counter_rows(counters),
            "choices": kind_choices(),
            "errors": errors,
            "change": change,
            "prefix": FIELD_PREFIX,
            "devices_of_model": same_model.count(),
        }
        return render(self.request, self.template_name, context, status=status)


def _choice(value: str | None) -> str | None:
    """The form's value as a mapping choice: None for the profile default, "" for not billed."""
    if value in (None, "", DEFAULT):
        return None
    return NOT_BILLED if value == NONE else value
