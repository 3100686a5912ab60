"""Django admin of the office's ePUAP adapter: read-only (decisions go through the back office services)."""

from django.contrib import admin

from epuap.models import InboundDocument, PollState


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(InboundDocument)
class InboundDocumentAdmin(_ReadOnly):
    list_display = ("received_at", "box_address", "sender_identifier", "form_code", "signature_verdict", "status")
    list_filter = ("status", "signature_verdict", "validation_verdict", "box_address")
    search_fields = ("sender_identifier", "sender_name", "platform_document_id", "skrot", "title")
    exclude = ("content", "extra_data")


@admin.register(PollState)
class PollStateAdmin(_ReadOnly):
    list_display = (
        "box_address",
        "last_poll_at",
        "last_success_at",
        "queue_depth",
        "consecutive_failures",
        "locked_by",
    )
