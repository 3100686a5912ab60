"""Admin of the certificates area: read-only (certificates change only through finance.services.certificates)."""

from django.contrib import admin

from finance.models import Certificate


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ("number", "party", "requested_on", "as_of", "status", "outcome", "fee_amount", "issued_on")
    list_filter = ("status", "outcome", "fee_exempt")
    search_fields = ("number", "verification_code")
    exclude = ("pdf",)
    raw_id_fields = ("party", "case", "document")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
