"""Admin of the rates area: the reference data an administrator extends for the next year — rate categories,
maximum rates, rye and wood prices, hectare multipliers and the year settings. Every change is written to the audit
log. Resolutions and rates are read-only here: they change through ``taxes.services.rates`` (the maximum check)."""

from django.contrib import admin

from core.admin import ReadOnlyAdminMixin, ReadOnlyInline
from core.services.audit import audit_log
from taxes.models import CommodityPrice, HectareMultiplier, MaxRate, Rate, RateCategory, Resolution, YearSettings


class AuditedAdminMixin:
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_log(
            actor=request.user,
            action=f"taxes.reference.{'changed' if change else 'added'}",
            obj=obj,
            details={"fields": {name: str(form.cleaned_data.get(name)) for name in form.changed_data}},
        )

    def delete_model(self, request, obj):
        audit_log(actor=request.user, action="taxes.reference.deleted", obj=obj, details={"repr": str(obj)})
        super().delete_model(request, obj)


@admin.register(RateCategory)
class RateCategoryAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "tax", "name", "unit", "order"]
    list_filter = ["tax", "unit"]
    search_fields = ["code", "name"]

    def get_readonly_fields(self, request, obj=None):
        return ["code", "tax", "unit"] if obj else []


@admin.register(MaxRate)
class MaxRateAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["year", "category", "maximum", "minimum", "source"]
    list_filter = ["year", "category__tax"]
    search_fields = ["category__code", "category__name"]


@admin.register(CommodityPrice)
class CommodityPriceAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["kind", "year", "price", "source"]
    list_filter = ["kind", "year"]


@admin.register(HectareMultiplier)
class HectareMultiplierAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["land_type", "land_class", "district", "multiplier", "valid_from"]
    list_filter = ["land_type", "district"]


@admin.register(YearSettings)
class YearSettingsAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["year", "tax_district", "installment_rounding", "proration", "joint_round_each_tax"]


class RateInline(ReadOnlyInline):
    model = Rate


@admin.register(Resolution)
class ResolutionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["year", "tax", "number", "adopted_on", "publication"]
    list_filter = ["year", "tax"]
    inlines = [RateInline]
