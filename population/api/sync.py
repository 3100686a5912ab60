"""/api/v1/population/imports/: the sync with the central PESEL register (upload, report, apply, discard).

Thin views over population.sync: permission population.import_central to upload and read reports,
population.apply_reconciliation (too) to apply or discard. Reading a report is logged (it holds personal
data). The CSV layout: docs/formats/pesel-export.md.
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from core.api.errors import error_body
from core.api.permissions import require_perms, require_perms_by_method
from core.api.serializers import ErrorResponseSerializer
from core.exceptions import ServiceValidationError
from population.models import CentralImport, CentralImportRow, ReconciliationItem
from population.sync import central_import_apply, central_import_discard, central_import_upload, max_upload_bytes
from population.sync.selectors import (
    APPLY_PERMISSION,
    VIEW_PERMISSION,
    access_central_import,
    central_import_items,
    central_import_list,
    central_import_quarantine,
)
from population.sync.services import too_large_message

ERRORS = {400: ErrorResponseSerializer, 401: ErrorResponseSerializer, 403: ErrorResponseSerializer}
NOT_FOUND = {404: ErrorResponseSerializer}


class FileErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(allow_null=True, help_text="Line of the file (1 = header); null: the whole file.")
    message = serializers.CharField()


class CentralImportSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.CharField(source="uploaded_by.username", read_only=True)
    decided_by = serializers.CharField(source="decided_by.username", read_only=True, allow_null=True, default=None)
    errors = FileErrorSerializer(many=True, read_only=True)
    summary = serializers.DictField(
        read_only=True,
        help_text="Counts per kind: new, changed, missing_locally, missing_centrally, manual, persons; after apply "
        "also applied (counts applied); apply_error: the message of the last failed attempt.",
    )

    class Meta:
        model = CentralImport
        fields = [
            "id",
            "file_name",
            "file_sha256",
            "export_date",
            "status",
            "rows_total",
            "rows_quarantined",
            "errors",
            "summary",
            "uploaded_by",
            "uploaded_at",
            "decided_by",
            "decided_at",
        ]
        read_only_fields = fields


class ReconciliationItemSerializer(serializers.ModelSerializer):
    changes = serializers.DictField(
        child=serializers.ListField(child=serializers.JSONField(allow_null=True)),
        read_only=True,
        help_text="{field: [local, central]}; dates ISO, addresses one-line labels, null = absent.",
    )
    central_data = serializers.DictField(
        read_only=True, help_text="The person as the export has them; manual = reasons to handle the item by hand."
    )

    class Meta:
        model = ReconciliationItem
        fields = ["id", "kind", "pesel", "line_no", "resident", "central_data", "changes", "applied"]
        read_only_fields = fields


class QuarantinedRowSerializer(serializers.ModelSerializer):
    class Meta:
        model = CentralImportRow
        fields = ["line_no", "reason", "raw"]
        read_only_fields = fields


class CentralImportDetailSerializer(CentralImportSerializer):
    items = serializers.SerializerMethodField()
    quarantined = serializers.SerializerMethodField()

    class Meta(CentralImportSerializer.Meta):
        fields = [*CentralImportSerializer.Meta.fields, "items", "quarantined"]
        read_only_fields = fields

    @extend_schema_field(ReconciliationItemSerializer(many=True))
    def get_items(self, obj):
        items = central_import_items(central_import=obj, kind=self.context.get("kind", ""))
        return ReconciliationItemSerializer(items, many=True).data

    @extend_schema_field(QuarantinedRowSerializer(many=True))
    def get_quarantined(self, obj):
        return QuarantinedRowSerializer(central_import_quarantine(central_import=obj), many=True).data


class CentralImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The export (CSV, UTF-8, ';'): see docs/formats/pesel-export.md.")

    def validate_file(self, upload):
        if upload.size > max_upload_bytes():
            raise serializers.ValidationError(too_large_message(upload.size))
        return upload


class CentralImportListApi(GenericAPIView):
    """Imports of the central PESEL register's export (GET) and upload of a new export (POST, multipart)."""

    permission_classes = [require_perms(VIEW_PERMISSION)]
    serializer_class = CentralImportSerializer
    queryset = CentralImport.objects.none()  # for the schema only: the data come from the selectors
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses={200: CentralImportSerializer(many=True), **ERRORS})
    def get(self, request):
        page = self.paginate_queryset(central_import_list(user=request.user))
        return self.get_paginated_response(CentralImportSerializer(page, many=True).data)

    @extend_schema(
        request={"multipart/form-data": CentralImportUploadSerializer},
        responses={
            201: CentralImportDetailSerializer,
            200: CentralImportDetailSerializer,
            **ERRORS,
        },
        description="Reads the file and prepares the reconciliation report (status parsed): 201. The same bytes "
        "while their report is still parsed: that report, 200. A file rejected as a whole (encoding, header, "
        "export date): 400 with code 'rejected' and the errors under 'file' (the rejected import is kept).",
    )
    def post(self, request):
        serializer = CentralImportUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        last_pk = CentralImport.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        central_import = central_import_upload(actor=request.user, file_name=upload.name, content=upload.read())
        if central_import.status == CentralImport.Status.REJECTED:
            messages = [
                (_("line %(line)d: %(message)s") % e if e.get("line") else e["message"]) for e in central_import.errors
            ]
            body = error_body(_("The file was rejected; nothing was imported."), "rejected", {"file": messages})
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        code = status.HTTP_200_OK if central_import.pk <= last_pk else status.HTTP_201_CREATED
        return Response(CentralImportDetailSerializer(central_import).data, status=code)


class CentralImportDetailApi(GenericAPIView):
    """One import with its report: the items (field-by-field changes) and the quarantined rows. Logged."""

    permission_classes = [require_perms(VIEW_PERMISSION)]
    serializer_class = CentralImportDetailSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=ReconciliationItem.Kind.values, description="Only items of a kind")
        ],
        responses={200: CentralImportDetailSerializer, **NOT_FOUND, **ERRORS},
    )
    def get(self, request, pk: int):
        central_import = access_central_import(user=request.user, import_id=pk, purpose="api")
        kind = request.query_params.get("kind", "")
        if kind and kind not in ReconciliationItem.Kind.values:
            raise ServiceValidationError(
                _("The data contain errors."),
                errors={
                    "kind": [
                        _("Unknown kind; use one of: %(kinds)s.") % {"kinds": ", ".join(ReconciliationItem.Kind.values)}
                    ]
                },
            )
        return Response(CentralImportDetailSerializer(central_import, context={"kind": kind}).data)


class _DecisionApi(GenericAPIView):
    permission_classes = [require_perms_by_method({"POST": (VIEW_PERMISSION, APPLY_PERMISSION)})]
    serializer_class = CentralImportSerializer
    service = None

    def post(self, request, pk: int):
        central_import = access_central_import(user=request.user, import_id=pk, purpose="api decision")
        central_import = type(self).service(actor=request.user, central_import=central_import)
        return Response(CentralImportSerializer(central_import).data)


class CentralImportApplyApi(_DecisionApi):
    """Apply the report (parsed → applied) in one transaction; a refused item rolls everything back (400)."""

    service = staticmethod(central_import_apply)

    @extend_schema(request=None, responses={200: CentralImportSerializer, **NOT_FOUND, **ERRORS})
    def post(self, request, pk: int):
        return super().post(request, pk)


class CentralImportDiscardApi(_DecisionApi):
    """Discard the report (parsed → discarded); the register is not changed."""

    service = staticmethod(central_import_discard)

    @extend_schema(request=None, responses={200: CentralImportSerializer, **NOT_FOUND, **ERRORS})
    def post(self, request, pk: int):
        return super().post(request, pk)
