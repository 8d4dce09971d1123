from django.contrib import admin

from portal.dealers.models import Dealer, Domain


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


@admin.register(Dealer)
class DealerAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "schema_name", "is_active", "created_at")
    search_fields = ("name", "code")
    readonly_fields = ("schema_name", "created_at", "enrollment_password")
    inlines = [DomainInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deactivate instead: a dealer's schema holds billing history
