"""/api/v1/taxes/waste/ — operations on the waste fee: the water readings and collection contracts imports (upload,
list, detail with the rejected rows), the verification findings (open ones with the evidence, dismiss, open a case,
verify a month now) and the monthly charge run. Thin views: ``taxes.view_declaration`` with
``taxes.manage_register`` for imports and findings, ``taxes.assess_taxes`` for the charges; the rules are in
``taxes.services.waste_verify`` and ``taxes.services.waste_charges`` and a refusal is a 400 in the project's error
shape."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.http import Http404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.permissions import require_perms, require_perms_by_method
from core.api.serializers import ErrorResponseSerializer
from taxes.models import VerificationFinding
from taxes.selectors_waste_ops import KINDS, findings_queue, parse_month
from taxes.services import waste_charges, waste_verify

VIEW, MANAGE, ASSESS = "taxes.view_declaration", "taxes.manage_register", "taxes.assess_taxes"
ERRORS = {400: ErrorResponseSerializer, 401: ErrorResponseSerializer, 403: ErrorResponseSerializer}
NOT_FOUND = {404: ErrorResponseSerializer}


def _month_or_400(value) -> datetime.date:
    month = parse_month(value)
    if month is None:
        raise ValidationError({"month": [_("Give the month as YYYY-MM.")]})
    return month


def _limit() -> int:
    return getattr(settings, "WASTE_IMPORT_MAX_BYTES", waste_verify.MAX_BYTES_DEFAULT)


def _import_model(kind: str):
    if kind not in KINDS:
        raise Http404
    return KINDS[kind]


class ImportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    file_name = serializers.CharField()
    imported_at = serializers.DateTimeField()
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    skipped = serializers.IntegerField()
    unmatched = serializers.IntegerField()
    status = serializers.CharField()


class ImportDetailSerializer(ImportSerializer):
    errors = serializers.JSONField()


class ImportUploadInput(serializers.Serializer):
    file = serializers.FileField()


class FindingSerializer(serializers.ModelSerializer):
    property_identifier = serializers.CharField(source="property.identifier", read_only=True)
    declaration_number = serializers.CharField(source="declaration.number", read_only=True)

    class Meta:
        model = VerificationFinding
        fields = [
            "id", "property", "property_identifier", "declaration", "declaration_number", "month", "kind",
            "declared_value", "evidence_value", "details", "status", "reason", "case", "decided_at",
        ]  # fmt: skip


class DismissInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class MonthInput(serializers.Serializer):
    month = serializers.CharField(max_length=7)


class WasteImportListApi(APIView):
    permission_classes = [require_perms_by_method({"GET": (VIEW,), "POST": (VIEW, MANAGE)})]

    @extend_schema(responses={200: ImportSerializer(many=True), **NOT_FOUND, **ERRORS})
    def get(self, request, kind: str):
        model, _service = _import_model(kind)
        return Response(ImportSerializer(model.objects.all()[:200], many=True).data)

    @extend_schema(request={"multipart/form-data": ImportUploadInput},
                   responses={201: ImportDetailSerializer, **NOT_FOUND, **ERRORS})  # fmt: skip
    def post(self, request, kind: str):
        _model, service = _import_model(kind)
        data = ImportUploadInput(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        content = upload.read(_limit() + 1)
        result = service(actor=request.user, content=content, file_name=upload.name[:255])
        return Response(ImportDetailSerializer(result).data, status=status.HTTP_201_CREATED)


class WasteImportDetailApi(APIView):
    permission_classes = [require_perms(VIEW)]

    @extend_schema(responses={200: ImportDetailSerializer, **NOT_FOUND, **ERRORS})
    def get(self, request, kind: str, pk: int):
        model, _service = _import_model(kind)
        obj = model.objects.filter(pk=pk).first()
        if obj is None:
            raise Http404
        return Response(ImportDetailSerializer(obj).data)


class WasteFindingListApi(APIView):
    permission_classes = [require_perms(VIEW, MANAGE)]

    @extend_schema(responses={200: FindingSerializer(many=True), **ERRORS})
    def get(self, request):
        params = request.query_params
        month = _month_or_400(params["month"]) if params.get("month") else None
        qs = findings_queue(kind=params.get("kind") or "", month=month, status=params.get("status") or "")
        return Response(FindingSerializer(qs[:500], many=True).data)


def _finding(pk: int) -> VerificationFinding:
    finding = VerificationFinding.objects.filter(pk=pk).first()
    if finding is None:
        raise Http404
    return finding


class WasteFindingDismissApi(APIView):
    permission_classes = [require_perms(VIEW, MANAGE)]

    @extend_schema(request=DismissInput, responses={200: FindingSerializer, **NOT_FOUND, **ERRORS})
    def post(self, request, pk: int):
        finding = _finding(pk)
        data = DismissInput(data=request.data)
        data.is_valid(raise_exception=True)
        finding = waste_verify.finding_dismiss(actor=request.user, finding=finding,
                                               reason=data.validated_data["reason"])  # fmt: skip
        return Response(FindingSerializer(finding).data)


class WasteFindingOpenCaseApi(APIView):
    permission_classes = [require_perms(VIEW, MANAGE)]

    @extend_schema(request=None, responses={200: FindingSerializer, **NOT_FOUND, **ERRORS})
    def post(self, request, pk: int):
        finding = waste_verify.finding_open_case(actor=request.user, finding=_finding(pk))
        return Response(FindingSerializer(finding).data)


class WasteVerifyApi(APIView):
    """Run the verification of a month now (the service itself runs as the system: the permission is checked
    here)."""

    permission_classes = [require_perms(VIEW, MANAGE)]

    @extend_schema(request=MonthInput, responses={200: None, **ERRORS})
    def post(self, request):
        data = MonthInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(waste_verify.waste_verify(month=_month_or_400(data.validated_data["month"])))


class WasteChargesPostApi(APIView):
    permission_classes = [require_perms(VIEW, ASSESS)]

    @extend_schema(request=MonthInput, responses={200: None, **ERRORS})
    def post(self, request):
        data = MonthInput(data=request.data)
        data.is_valid(raise_exception=True)
        month = _month_or_400(data.validated_data["month"])
        counts = waste_charges.waste_charges_post(actor=request.user, month=month)
        return Response({"month": f"{month:%Y-%m}", **counts})


urlpatterns = [
    path("waste/imports/<str:kind>/", WasteImportListApi.as_view(), name="api-taxes-waste-imports"),
    path("waste/imports/<str:kind>/<int:pk>/", WasteImportDetailApi.as_view(), name="api-taxes-waste-import"),
    path("waste/findings/", WasteFindingListApi.as_view(), name="api-taxes-waste-findings"),
    path("waste/findings/<int:pk>/dismiss/", WasteFindingDismissApi.as_view(), name="api-taxes-waste-finding-dismiss"),
    path("waste/findings/<int:pk>/open-case/", WasteFindingOpenCaseApi.as_view(), name="api-taxes-waste-finding-case"),
    path("waste/verify/", WasteVerifyApi.as_view(), name="api-taxes-waste-verify"),
    path("waste/charges/", WasteChargesPostApi.as_view(), name="api-taxes-waste-charges"),
]
