"""Admin of the waste fee decisions (ucpg art. 6o): read-only; they change only through
``taxes.services.waste_decisions`` (draft, issue, dispatch, cancel, delivery)."""

from django.contrib import admin

from core.admin import ReadOnlyAdminMixin
from taxes.models import WasteDecision


@admin.register(WasteDecision)
class WasteDecisionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["number", "property", "payer", "effective_from", "monthly_fee", "status", "issue_date",
                    "delivered_on"]  # fmt: skip
    list_filter = ["status", "estimated"]
    search_fields = ["number", "property__identifier"]
    list_select_related = ["property", "payer"]
    raw_id_fields = ["property", "payer", "finding", "declaration", "case", "document", "basis", "created_by"]
