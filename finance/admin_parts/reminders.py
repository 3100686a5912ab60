"""Admin of the reminders area: runs, reminders and notices, read-only (they change only through the services)."""

from django.contrib import admin

from finance.models.collection import CollectionRun, InformationNotice, Reminder, ReminderItem


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReminderItemInline(admin.TabularInline):
    model = ReminderItem
    extra = 0
    can_delete = False
    readonly_fields = ["account", "installment", "due_date", "principal", "interest", "period"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CollectionRun)
class CollectionRunAdmin(_ReadOnly):
    list_display = ["id", "kind", "receivable_type", "cutoff_date", "issue_date", "status"]
    list_filter = ["kind", "status"]


@admin.register(Reminder)
class ReminderAdmin(_ReadOnly):
    list_display = ["number", "party", "status", "reason", "issue_date", "principal", "delivered_on"]
    list_filter = ["status", "reason"]
    search_fields = ["number"]
    raw_id_fields = ["party", "run", "document", "cost_entry", "notice"]
    inlines = [ReminderItemInline]


@admin.register(InformationNotice)
class InformationNoticeAdmin(_ReadOnly):
    list_display = ["party", "channel", "sent_on", "amount", "status"]
    list_filter = ["channel", "status"]
    raw_id_fields = ["party"]
