"""Admin of the titles area: enforcement titles and the reports of payments on them, read-only (the services
own every change)."""

from django.contrib import admin

from finance.models import EnforcementPaymentReport, EnforcementTitle


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EnforcementTitle)
class EnforcementTitleAdmin(_ReadOnly):
    list_display = ["number", "party", "status", "issue_date", "principal", "sent_on"]
    list_filter = ["status"]
    search_fields = ["number", "external_reference"]
    exclude = ["xml", "pdf"]


@admin.register(EnforcementPaymentReport)
class EnforcementPaymentReportAdmin(_ReadOnly):
    list_display = ["period_start", "period_end", "enforcement_organ", "total"]
