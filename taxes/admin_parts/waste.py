"""Admin of the waste fee reference data: the GUS income figures (an administrator adds the next year's figure
when the obwieszczenie is published; every change is audited). Resolutions, rates and exemptions are read-only
here: they change through ``taxes.services.waste_rates`` (the statutory cap check); properties and declarations
through their services."""

from django.contrib import admin

from core.admin import ReadOnlyAdminMixin, ReadOnlyInline
from taxes.admin_parts.rates import AuditedAdminMixin
from taxes.models import WasteDeclaration, WasteExemption, WasteIncome, WasteProperty, WasteRate, WasteResolution


@admin.register(WasteIncome)
class WasteIncomeAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["year", "amount", "applies_from", "derived", "source"]
    list_filter = ["derived"]


class WasteRateInline(ReadOnlyInline):
    model = WasteRate


class WasteExemptionInline(ReadOnlyInline):
    model = WasteExemption


@admin.register(WasteResolution)
class WasteResolutionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["number", "valid_from", "valid_to", "payment_frequency", "due_day", "non_selective_multiplier"]
    inlines = [WasteRateInline, WasteExemptionInline]


@admin.register(WasteProperty)
class WastePropertyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["identifier", "address", "kind", "dwelling_m2"]
    list_filter = ["kind"]
    search_fields = ["identifier"]
    list_select_related = ["address"]


@admin.register(WasteDeclaration)
class WasteDeclarationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["number", "property", "payer", "effective_from", "purpose", "method", "residents", "status"]
    list_filter = ["status", "purpose", "method"]
    search_fields = ["number", "property__identifier"]
    list_select_related = ["property", "property__address", "payer"]
