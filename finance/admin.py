"""Admin of finance.

Reference data is edited here: receivable types (with the budget classification), the chart of accounts, the
posting rules and the bank profiles. Interest rates and parameters are dated rows: an administrator *adds* a new row
when the law changes; a row already in force (``valid_from`` on or before today) can be neither changed nor deleted,
a row not yet in force can be corrected. Every change made here is written to the audit log.

Everything else (obligor accounts and their entries, statements, payments, refunds, the journal, periods) changes
only through the services, which validate, book and audit: read-only here.
"""

from django.contrib import admin
from django.utils import timezone

from core.admin import ReadOnlyAdminMixin, ReadOnlyInline
from core.services.audit import audit_log
from finance.models import (
    AccountEntry,
    AccountingPeriod,
    BankProfile,
    BankStatement,
    FinanceParameter,
    Installment,
    InterestAdjustment,
    InterestRate,
    JournalEntry,
    JournalLine,
    LedgerAccount,
    ObligorAccount,
    Payment,
    PostingRule,
    ReceivableType,
    RefundExport,
    RefundOrder,
    StatementLine,
    VirtualAccount,
)


class AuditedAdminMixin:
    """Reference data changed in the admin leaves an audit event (who, what, the changed fields)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_log(
            actor=request.user,
            action=f"finance.reference.{'changed' if change else 'added'}",
            obj=obj,
            details={"fields": {name: form.cleaned_data.get(name) for name in form.changed_data}},
        )

    def delete_model(self, request, obj):
        audit_log(actor=request.user, action="finance.reference.deleted", obj=obj, details={"repr": str(obj)})
        super().delete_model(request, obj)


class DatedRowAdminMixin(AuditedAdminMixin):
    """Add-only for rows in force: history is never rewritten."""

    def _in_force(self, obj) -> bool:
        return obj is not None and obj.valid_from <= timezone.localdate()

    def has_change_permission(self, request, obj=None):
        return not self._in_force(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._in_force(obj) and super().has_delete_permission(request, obj)


@admin.register(ReceivableType)
class ReceivableTypeAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("code", "name", "dzial", "rozdzial", "paragraf", "interest_paragraf", "costs_paragraf", "is_active")
    list_filter = ("dzial", "rozdzial", "is_active")
    search_fields = ("code", "name", "paragraf")

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj else ()

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: accounts refer to it


@admin.register(InterestRate)
class InterestRateAdmin(DatedRowAdminMixin, admin.ModelAdmin):
    list_display = ("kind", "rate", "valid_from", "legal_basis")
    list_filter = ("kind",)
    date_hierarchy = "valid_from"
    ordering = ("-valid_from", "kind")


@admin.register(FinanceParameter)
class FinanceParameterAdmin(DatedRowAdminMixin, admin.ModelAdmin):
    list_display = ("code", "name", "value", "valid_from", "legal_basis")
    list_filter = ("code",)
    ordering = ("code", "-valid_from")


@admin.register(LedgerAccount)
class LedgerAccountAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("number", "name", "kind", "analytic_by_obligor", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("number", "name")

    def get_readonly_fields(self, request, obj=None):
        return ("number", "analytic_by_obligor") if obj else ()

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: journal lines refer to it


@admin.register(PostingRule)
class PostingRuleAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("event", "component", "debit", "credit", "description")
    list_filter = ("event",)


@admin.register(BankProfile)
class BankProfileAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("code", "name", "separator", "encoding", "virtual_account_field", "office_account", "is_active")
    list_filter = ("is_active",)

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnly(ReadOnlyAdminMixin, admin.ModelAdmin):
    pass


@admin.register(ObligorAccount)
class ObligorAccountAdmin(ReadOnly):
    list_display = ("party", "receivable_type", "year", "source_app", "source_ref", "created_at")
    list_filter = ("receivable_type", "year")
    search_fields = ("source_ref", "party__surname", "party__name", "party__pesel", "party__nip")
    raw_id_fields = ("party", "co_obligors")


@admin.register(Installment)
class InstallmentAdmin(ReadOnly):
    list_display = ("charge", "number", "due_date", "effective_due_date", "amount")
    raw_id_fields = ("charge",)


@admin.register(AccountEntry)
class AccountEntryAdmin(ReadOnly):
    list_display = ("account", "kind", "component", "amount", "value_date", "booked_on", "journal_entry")
    list_filter = ("kind", "component")
    date_hierarchy = "value_date"
    raw_id_fields = ("account", "installment", "payment", "reverses", "counter_account", "journal_entry")


@admin.register(VirtualAccount)
class VirtualAccountAdmin(ReadOnly):
    list_display = ("nrb", "party", "receivable_type", "source_ref", "profile", "identifier")
    search_fields = ("nrb", "source_ref")
    raw_id_fields = ("party",)


@admin.register(BankStatement)
class BankStatementAdmin(ReadOnly):
    list_display = ("reference", "account", "sequence", "statement_date", "status", "lines_total", "lines_matched")
    list_filter = ("status", "profile")
    exclude = ("raw",)


@admin.register(StatementLine)
class StatementLineAdmin(ReadOnly):
    list_display = ("statement", "index", "value_date", "is_credit", "amount", "match", "confidence")
    list_filter = ("match", "is_credit")
    raw_id_fields = ("statement",)


@admin.register(Payment)
class PaymentAdmin(ReadOnly):
    list_display = ("payment_date", "amount", "source", "status", "party", "payer_account")
    list_filter = ("status", "source")
    raw_id_fields = ("statement_line", "party")


@admin.register(RefundOrder)
class RefundOrderAdmin(ReadOnly):
    list_display = ("created_at", "account", "amount", "target_account", "status", "export")
    list_filter = ("status",)
    raw_id_fields = ("account", "party", "export", "entry")


@admin.register(RefundExport)
class RefundExportAdmin(ReadOnly):
    list_display = ("file_name", "format", "total", "created_at", "created_by")
    exclude = ("content",)


@admin.register(AccountingPeriod)
class AccountingPeriodAdmin(ReadOnly):
    list_display = ("__str__", "closed_at", "closed_by")


class JournalLineInline(ReadOnlyInline):
    model = JournalLine
    fields = ("account", "obligor_account", "debit", "credit", "dzial", "rozdzial", "paragraf")
    raw_id_fields = ("obligor_account",)


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnly):
    list_display = ("date", "event", "description", "created_by")
    list_filter = ("event",)
    date_hierarchy = "date"
    inlines = [JournalLineInline]
    raw_id_fields = ("reverses",)


@admin.register(JournalLine)
class JournalLineAdmin(ReadOnly):
    list_display = ("entry", "account", "obligor_account", "debit", "credit", "dzial", "rozdzial", "paragraf")
    list_filter = ("account",)
    raw_id_fields = ("entry", "obligor_account")


@admin.register(InterestAdjustment)
class InterestAdjustmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: adjustments are recorded and cancelled on the account card or the API (the service validates,
    locks the account and audits)."""

    list_display = ("account", "installment", "kind", "date_from", "date_to", "legal_basis", "cancelled_at")
    list_filter = ("kind",)
    raw_id_fields = ("account", "installment")


from finance.admin_parts import budget, cash, certificates, reminders, titles  # noqa: E402, F401 — issue 7 areas
