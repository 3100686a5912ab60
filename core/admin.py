from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from core.models import (
    Address,
    AuditChainCheck,
    AuditEvent,
    FeeRate,
    Locality,
    OrgUnit,
    Party,
    PublicHoliday,
    Street,
    TercUnit,
    User,
)


class ReadOnlyAdminMixin:
    """Rows that change only through services (which validate and audit): the admin shows them, nothing more."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """The rows of a read-only parent shown in its page: nothing added, changed or deleted there."""

    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Office"), {"fields": ("org_unit", "job_title", "party")}),
    )
    list_display = ("username", "first_name", "last_name", "org_unit", "is_active", "is_staff")
    list_filter = ("org_unit", "groups", "is_active", "is_staff")
    raw_id_fields = ("party",)


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ("symbol", "name", "parent", "head", "is_active")
    search_fields = ("symbol", "name")


@admin.register(Party)
class PartyAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Read-only here: parties change through the back office, whose services validate and audit."""

    list_display = ("display_name", "kind", "pesel", "nip", "status")
    list_filter = ("kind", "status")
    search_fields = ("surname", "name", "pesel", "nip", "regon")


@admin.register(Address)
class AddressAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("one_line", "country")
    raw_id_fields = ("gmina", "locality", "street")


@admin.register(TercUnit)
class TercUnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "kind", "state_date")
    list_filter = ("level",)
    search_fields = ("code", "name")


@admin.register(Locality)
class LocalityAdmin(admin.ModelAdmin):
    list_display = ("sym", "name", "kind", "gmina")
    search_fields = ("sym", "name")
    raw_id_fields = ("gmina", "parent")


@admin.register(Street)
class StreetAdmin(admin.ModelAdmin):
    list_display = ("sym_ul", "full_name", "locality")
    search_fields = ("sym_ul", "name_1")
    raw_id_fields = ("locality",)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Append-only: nobody adds, changes or deletes events here."""

    list_display = ("seq", "occurred_at", "actor_label", "action", "object_repr", "ip")
    list_filter = ("action",)
    search_fields = ("object_id", "actor_label", "request_id")


@admin.register(AuditChainCheck)
class AuditChainCheckAdmin(admin.ModelAdmin):
    list_display = ("checked_at", "ok", "events_checked", "head_seq")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(FeeRate)
class FeeRateAdmin(admin.ModelAdmin):
    """Dated fee rates: add a row with a new valid_from when the law changes; never edit history."""

    list_display = ("code", "name", "amount", "valid_from", "legal_basis")
    list_filter = ("code",)


@admin.register(PublicHoliday)
class PublicHolidayAdmin(admin.ModelAdmin):
    """Public holidays that shift legal deadlines (KPA art. 57 §4); add later years or one-off days here."""

    list_display = ("date", "name")
    date_hierarchy = "date"
    search_fields = ("name",)
