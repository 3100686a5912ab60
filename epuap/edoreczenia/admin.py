"""Admin of the simulated e-Doręczenia: mailboxes and clients are editable; messages and evidences read-only."""

from django.contrib import admin

from epuap.edoreczenia.models import Attachment, Client, Evidence, Mailbox, Message


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    list_display = ("address", "owner_name", "kind", "searchable", "active")
    list_filter = ("kind", "searchable", "active")
    search_fields = ("address", "owner_name", "pesel", "nip", "regon")


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ("client_id", "mailbox", "active", "created_at")
    list_filter = ("active",)
    search_fields = ("client_id",)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AttachmentInline(admin.TabularInline):
    model = Attachment
    fields = ("order", "filename", "content_type", "size", "sha256")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ("id", "sender", "recipient_address", "subject", "status", "received_at", "opened_at", "deemed_at")
    list_filter = ("status",)
    search_fields = ("id", "recipient_address", "subject")
    exclude = ("text_body",)
    inlines = [AttachmentInline]


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ("id", "message", "kind", "type_code", "event_at", "downloaded")
    list_filter = ("kind", "type_code")
