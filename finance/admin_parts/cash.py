"""Admin of the cash area: desks are managed here (add, rename, deactivate — audited); reports, receipts and
deposits are read-only (they change only through finance.services.cash)."""

from django.contrib import admin

from finance.admin import AuditedAdminMixin
from finance.models import CashDeposit, CashDesk, CashReceipt, CashReport


@admin.register(CashDesk)
class CashDeskAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("code", "name", "active")
    list_filter = ("active",)

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj else ()

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: reports refer to it


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CashReport)
class CashReportAdmin(_ReadOnly):
    list_display = ("number", "desk", "day", "opening_balance", "receipts_total", "payouts_total", "closing_balance",
                    "status")  # fmt: skip
    list_filter = ("desk", "status")
    date_hierarchy = "day"


@admin.register(CashReceipt)
class CashReceiptAdmin(_ReadOnly):
    list_display = ("number", "kind", "payer_name", "amount", "report", "cancelled_at")
    list_filter = ("kind", "desk")
    search_fields = ("number", "payer_name")
    raw_id_fields = ("party", "payment", "certificate", "journal_entry", "report")


@admin.register(CashDeposit)
class CashDepositAdmin(_ReadOnly):
    list_display = ("number", "desk", "amount", "status", "confirmed_on")
    list_filter = ("status", "desk")
    raw_id_fields = ("statement_line", "handed_over_journal", "confirmed_journal", "report")
