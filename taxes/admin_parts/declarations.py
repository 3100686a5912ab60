"""Admin of the declarations area: read-only (declarations are recorded, accepted and rejected through the
services, so they are validated and audited)."""

from django.contrib import admin

from taxes.models import Declaration


@admin.register(Declaration)
class DeclarationAdmin(admin.ModelAdmin):
    list_display = ["id", "form", "purpose", "party", "year", "filed_on", "deadline", "late", "status"]
    list_filter = ["form", "status", "late", "purpose"]
    search_fields = ["party__surname", "party__name", "party__pesel", "party__nip"]
    list_select_related = ["party"]
    raw_id_fields = ["party", "incoming_entry", "case"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("taxes.view_declaration")
