"""The operators' admin for SNMP credentials, which live in each dealer's schema.

The admin is served on the central host (public schema), so the dealer is chosen first (`?dealer=<code>`, kept in
the session) and every view runs, and renders, inside that dealer's schema. Secrets are write-only fields: typed
to set them, never shown; blank keeps the stored one. Saving goes through agents.services.credentials, so the
admin refuses what the pages and the API refuse.
"""

from django import forms
from django.contrib import admin
from django.template.response import TemplateResponse
from django_tenants.utils import schema_context

from agents.models import SnmpCredential
from agents.services import credentials as svc
from portal.dealers.models import Dealer

DEALER_KEY = "admin_credentials_dealer"
SERVICE_NAMES = {"v3_user": "user", "v3_context": "context"}  # model field -> service argument


def _secret_field(label: str) -> forms.CharField:
    widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})
    return forms.CharField(
        label=label,
        required=False,
        strip=False,
        max_length=svc.MAX_SECRET_LENGTH,
        widget=widget,
        help_text="Never shown. Blank keeps the stored one.",
    )


class SnmpCredentialAdminForm(forms.ModelForm):
    community = _secret_field("Community")
    auth_key = _secret_field("Authentication key")
    priv_key = _secret_field("Privacy key")

    class Meta:
        model = SnmpCredential
        fields = [
            "site",
            "customer",
            "label",
            "version",
            "community",
            "v3_user",
            "auth_protocol",
            "auth_key",
            "priv_protocol",
            "priv_key",
            "v3_context",
        ]

    def service_fields(self) -> dict:
        data = {SERVICE_NAMES.get(name, name): value for name, value in self.cleaned_data.items()}
        return {name: value for name, value in data.items() if name not in ("site", "customer")}

    def clean(self):
        cleaned = super().clean()
        try:
            svc.credential_check(credential=self.instance if self.instance.pk else None, **self.service_fields())
        except svc.CredentialInvalid as invalid:
            names = {service: field for field, service in SERVICE_NAMES.items()}
            for name, message in invalid.errors.items():
                field = names.get(name, name)
                self.add_error(field if field in self.fields else None, message)
        return cleaned


@admin.register(SnmpCredential)
class SnmpCredentialAdmin(admin.ModelAdmin):
    form = SnmpCredentialAdminForm
    list_display = ("__str__", "owner", "label", "version", "v3_user", "auth_protocol", "priv_protocol", "tested")
    list_select_related = ("site__customer", "customer")
    search_fields = ("label", "v3_user")
    readonly_fields = ("position", "last_test", "created_at")

    @admin.display(description="Site or customer")
    def owner(self, obj) -> str:
        return str(obj.site or obj.customer)

    @admin.display(description="Last test")
    def tested(self, obj) -> str:
        outcome = svc.test_outcome(obj.last_test)
        return outcome.words if outcome else "—"

    def changelist_view(self, request, extra_context=None):
        return self._in_dealer(request, super().changelist_view, extra_context=extra_context)

    def add_view(self, request, form_url="", extra_context=None):
        return self._in_dealer(request, super().add_view, form_url=form_url, extra_context=extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return self._in_dealer(request, super().change_view, object_id, form_url=form_url, extra_context=extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        return self._in_dealer(request, super().delete_view, object_id, extra_context=extra_context)

    def save_model(self, request, obj, form, change):
        if change:  # the service compares with what is stored, not with the form's changes to `obj`
            saved = svc.credential_update(credential=SnmpCredential.objects.get(pk=obj.pk), **form.service_fields())
        else:
            data = form.cleaned_data
            saved = svc.credential_create(site=data.get("site"), customer=data.get("customer"), **form.service_fields())
        obj.pk = saved.pk
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        svc.credential_delete(credential=obj)

    def delete_queryset(self, request, queryset):
        for credential in queryset:
            svc.credential_delete(credential=credential)

    # The admin's log is a public-schema table whose content types are not the dealer's: nothing is logged here.
    def log_addition(self, request, obj, message):
        return None

    def log_change(self, request, obj, message):
        return None

    def log_deletions(self, request, queryset):
        return None

    def _in_dealer(self, request, view, *args, **kwargs):
        dealer = self._dealer(request)
        if dealer is None:
            return self._choose_dealer(request)
        if "extra_context" in kwargs:
            kwargs["extra_context"] = {**(kwargs["extra_context"] or {}), "subtitle": f"{dealer.name} ({dealer.code})"}
        with schema_context(dealer.schema_name):
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:  # its queries must run in this schema
                response.render()
        return response

    def _dealer(self, request) -> Dealer | None:
        if "dealer" in request.GET:
            request.GET = request.GET.copy()
            request.session[DEALER_KEY] = request.GET.pop("dealer")[-1]
        code = request.session.get(DEALER_KEY)
        return Dealer.objects.filter(code=code).exclude(schema_name="public").first() if code else None

    def _choose_dealer(self, request):
        context = {
            **self.admin_site.each_context(request),
            "title": "Whose SNMP credentials?",
            "opts": self.opts,
            "dealers": Dealer.objects.exclude(schema_name="public").order_by("name"),
        }
        return TemplateResponse(request, "admin/agents/choose_dealer.html", context)
