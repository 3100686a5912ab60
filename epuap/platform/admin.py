"""Admin of the simulated ePUAP platform (for demos and tests: inspect queues, boxes, delivery orders)."""

from django.contrib import admin

from epuap.platform.models import Box, DeliveryOrder, Podmiot, PodmiotCertificate, QueuedDocument, Upp


class PodmiotCertificateInline(admin.TabularInline):
    model = PodmiotCertificate
    extra = 0
    fields = ["fingerprint", "created_at"]
    readonly_fields = ["fingerprint", "created_at"]


@admin.register(Podmiot)
class PodmiotAdmin(admin.ModelAdmin):
    list_display = ["identifier", "name", "typ_osoby"]
    search_fields = ["identifier", "name"]
    inlines = [PodmiotCertificateInline]


@admin.register(Box)
class BoxAdmin(admin.ModelAdmin):
    list_display = ["address", "podmiot", "upp_mode"]
    search_fields = ["address"]


@admin.register(QueuedDocument)
class QueuedDocumentAdmin(admin.ModelAdmin):
    list_display = ["document_id", "box", "file_name", "sender_identifier", "sent_at", "confirmed_at"]
    list_filter = ["box"]
    search_fields = ["document_id", "sender_identifier"]
    exclude = ["content", "extra_data"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name not in ("content", "extra_data")]


@admin.register(Upp)
class UppAdmin(admin.ModelAdmin):
    list_display = ["identifier", "document", "created_at"]
    exclude = ["content"]
    readonly_fields = ["identifier", "document", "created_at"]


@admin.register(DeliveryOrder)
class DeliveryOrderAdmin(admin.ModelAdmin):
    list_display = ["order_id", "addressee_box", "status", "notified_at", "reminder_at", "opened_at", "deemed_at"]
    list_filter = ["status"]
    search_fields = ["order_id", "document_id", "case_id"]
    exclude = ["content", "extra_data", "upd"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name not in ("content", "extra_data", "upd")]
