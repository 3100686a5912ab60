"""Django admin of the EZD.

Reference data is edited here: JRWA classes (titles, categories, default days), deadline rules (add a dated row
when the law changes), standing dekretacja rules, document templates (saving a changed template creates a new
version; documents already drafted keep the version they were rendered from). Registers, cases, documents,
shipments and receipts change only through the back office (services with their checks and audit log), so the
admin shows them read-only.
"""

from django import forms
from django.contrib import admin
from django.db import transaction
from django.db.models import Max

from core.admin import ReadOnlyAdminMixin
from core.exceptions import ApplicationError
from core.services.audit import audit_log
from documents.models import (
    ArchiveTransfer,
    AssignmentRule,
    Case,
    Counter,
    DeadlineRule,
    DisposalList,
    DocumentTemplate,
    EmailIntake,
    IncomingEntry,
    JrwaClass,
    JrwaVersion,
    OutgoingDocument,
    PostalBook,
    Receipt,
    Shipment,
)


@admin.register(JrwaVersion)
class JrwaVersionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Versions are loaded with ``manage.py import_jrwa``."""

    list_display = ("code", "name", "valid_from", "is_current", "imported_at")


@admin.register(JrwaClass)
class JrwaClassAdmin(admin.ModelAdmin):
    list_display = ("symbol", "title", "archival_category", "handling_days", "procedure", "is_leaf", "version")
    list_filter = ("version", "archival_category", "is_leaf")
    search_fields = ("symbol", "title")
    readonly_fields = ("version", "symbol", "is_leaf")

    def has_add_permission(self, request):
        return False  # classes come with a version (import_jrwa); here only their attributes are corrected

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    """Add a row with a new ``valid_from`` when the law changes; rows in force are never edited."""

    list_display = ("code", "name", "days", "months", "valid_from", "legal_basis")
    list_filter = ("code",)

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AssignmentRule)
class AssignmentRuleAdmin(admin.ModelAdmin):
    list_display = ("order", "name", "form_code", "channel", "title_contains", "unit", "is_active")
    list_display_links = ("name",)
    list_filter = ("is_active", "unit")

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit_log(
                actor=request.user,
                action="documents.assignment_rule.changed" if change else "documents.assignment_rule.created",
                obj=obj,
                details={"changed": form.changed_data},
            )


class DocumentTemplateForm(forms.ModelForm):
    class Meta:
        model = DocumentTemplate
        fields = ("code", "name", "kind", "body", "is_active")

    def clean_body(self):
        from documents.services.templates import template_check

        body = self.cleaned_data["body"]
        try:
            template_check(body)
        except ApplicationError as exc:
            raise forms.ValidationError(exc.errors.get("body") or [exc.message]) from exc
        return body


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(admin.ModelAdmin):
    """Saving a changed template adds a new version (``template_new_version``) and deactivates the old ones;
    documents already drafted keep the version they were rendered from. History is never rewritten."""

    form = DocumentTemplateForm
    list_display = ("code", "version", "name", "kind", "is_active", "created_at")
    list_filter = ("kind", "is_active")

    def get_readonly_fields(self, request, obj=None):
        return ("code", "kind", "version") if obj else ("version",)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        from documents.services.templates import template_new_version

        if change:
            original = DocumentTemplate.objects.get(pk=obj.pk)
            new = template_new_version(actor=request.user, template=original, body=obj.body, name=obj.name)
            obj.pk, obj.version = new.pk, new.version
            return
        with transaction.atomic():
            obj.version = (DocumentTemplate.objects.filter(code=obj.code).aggregate(m=Max("version"))["m"] or 0) + 1
            obj.save()
            audit_log(
                actor=request.user,
                action="documents.template.created",
                obj=obj,
                details={"code": obj.code, "version": obj.version},
            )


class _ReadOnly(ReadOnlyAdminMixin, admin.ModelAdmin):
    pass


@admin.register(IncomingEntry)
class IncomingEntryAdmin(_ReadOnly):
    list_display = ("__str__", "received_at", "channel", "sender", "assigned_unit", "assigned_to", "status")
    list_filter = ("channel", "status", "year")
    raw_id_fields = ("sender", "case", "inbound_document")


@admin.register(Case)
class CaseAdmin(_ReadOnly):
    list_display = ("mark", "title", "unit", "owner", "status", "opened_on", "due_date", "closed_on")
    list_filter = ("status", "unit", "year", "archive_status")
    search_fields = ("mark", "title")


@admin.register(OutgoingDocument)
class OutgoingDocumentAdmin(_ReadOnly):
    list_display = ("title", "case", "kind", "status", "signed_at", "source_app")
    list_filter = ("status", "kind")


@admin.register(Shipment)
class ShipmentAdmin(_ReadOnly):
    list_display = ("__str__", "channel", "status", "sent_on", "delivered_on", "registered_number")
    list_filter = ("channel", "status")


@admin.register(Receipt)
class ReceiptAdmin(_ReadOnly):
    list_display = ("__str__", "kind", "status", "delivered_on", "manner")
    list_filter = ("kind", "status")


@admin.register(PostalBook)
class PostalBookAdmin(_ReadOnly):
    list_display = ("__str__", "kind", "day", "closed_at")


@admin.register(EmailIntake)
class EmailIntakeAdmin(_ReadOnly):
    list_display = ("subject", "from_address", "status", "received_at")
    list_filter = ("status",)
    exclude = ("raw",)


@admin.register(ArchiveTransfer)
class ArchiveTransferAdmin(_ReadOnly):
    list_display = ("__str__", "unit", "jrwa", "status", "accepted_at")


@admin.register(DisposalList)
class DisposalListAdmin(_ReadOnly):
    list_display = ("__str__", "status", "approval_reference", "decided_at")


@admin.register(Counter)
class CounterAdmin(_ReadOnly):
    list_display = ("key", "value")
    search_fields = ("key",)
