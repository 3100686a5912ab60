"""Admin of the budget area: the revenue plan, read-only (it changes through the plan screen and the CSV import,
which validate and audit every change)."""

from django.contrib import admin

from core.admin import ReadOnlyAdminMixin
from finance.models import BudgetPlanLine


@admin.register(BudgetPlanLine)
class BudgetPlanLineAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("year", "dzial", "rozdzial", "paragraf", "amount", "description", "updated_by", "updated_at")
    list_filter = ("year", "dzial")
    search_fields = ("rozdzial", "paragraf", "description")
