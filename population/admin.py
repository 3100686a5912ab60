"""Django admin of the residents register: read-only views for administrators.

Residents and registrations change only through the back office (population/services.py), which checks the rules
and writes the audit log; the admin shows the rows and their history.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ReadOnlyAdminMixin
from population.models import CentralImport, Certificate, DataDisclosure, Registration, Resident


class RegistrationInline(admin.TabularInline):
    model = Registration
    fk_name = "resident"
    extra = 0
    can_delete = False
    fields = ("kind", "address", "start_date", "planned_end_date", "end_date", "end_reason", "form")
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Resident)
class ResidentAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("party", "citizenship", "status", "status_date")
    list_filter = ("status", "citizenship")
    search_fields = ("party__surname", "party__pesel")
    raw_id_fields = ("party",)
    inlines = [RegistrationInline]


@admin.register(Registration)
class RegistrationAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("resident", "kind", "start_date", "end_date", "end_reason")
    list_filter = ("kind", "end_reason", "form")
    raw_id_fields = ("resident", "address", "locality", "street")


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("number", "resident", "kind", "as_of", "fee_amount", "issued_at", "issued_by")
    list_filter = ("kind",)
    search_fields = ("number", "verification_code")
    raw_id_fields = ("resident", "requester")


@admin.register(DataDisclosure)
class DataDisclosureAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("requester", "requester_kind", "decision", "fee_amount", "decided_at")
    list_filter = ("decision", "requester_kind")


@admin.register(CentralImport)
class CentralImportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("file_name", "status", "rows_total", "rows_quarantined", "uploaded_at")
    list_filter = ("status",)
