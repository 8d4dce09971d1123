from django.contrib import admin

from portal.dealers.models import Dealer, Domain


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


@admin.register(Dealer)
class DealerAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "schema_name", "is_active", "created_at")
    search_fields = ("name", "code")
    readonly_fields = ("schema_name", "created_at", "enrolment_password")
    exclude = ("enrollment_password",)  # a hash: set on the dealer's settings page, shown here as set or not
    inlines = [DomainInline]

    @admin.display(description="Enrolment password")
    def enrolment_password(self, obj: Dealer) -> str:
        """Whether it is set: the hash itself tells an operator nothing."""
        return "set" if obj.enrollment_password else "not set"

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deactivate instead: a dealer's schema holds billing history
