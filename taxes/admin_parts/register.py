"""Admin of the register area: exemption reasons are editable; the register itself is read-only here (changes go
through the services so they are validated and audited)."""

from django.contrib import admin

from taxes.models import ExemptionReason, Liability, ObjectVersion, TaxObject


@admin.register(ExemptionReason)
class ExemptionReasonAdmin(admin.ModelAdmin):
    list_display = ["code", "tax", "name", "legal_basis", "by_resolution"]
    list_filter = ["tax", "by_resolution"]
    search_fields = ["code", "name"]


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class VersionInline(admin.TabularInline):
    model = ObjectVersion
    extra = 0
    fields = ["valid_from", "valid_to", "category", "area", "area_low", "value", "exemption"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class LiabilityInline(admin.TabularInline):
    model = Liability
    extra = 0
    fields = ["party", "role", "share_numerator", "share_denominator", "valid_from", "valid_to"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(TaxObject)
class TaxObjectAdmin(_ReadOnly):
    list_display = ["id", "kind", "precinct", "parcel", "identifier"]
    list_filter = ["kind"]
    search_fields = ["parcel", "identifier", "precinct"]
    inlines = [VersionInline, LiabilityInline]

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("taxes.view_taxobject")
