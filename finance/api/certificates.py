"""/api/v1/finance/certificates/ — certificates of no arrears: list and request, detail, stamp duty paid, issue,
refuse, the PDF, and the public verification by code (no login, throttled, no amounts). Thin views: rules in
``finance.services.certificates`` (a refusal is a 400 with its code)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from core.api.errors import error_body
from core.api.pagination import Pagination
from core.api.permissions import require_perms
from core.api.serializers import ErrorResponseSerializer
from finance.models import Certificate
from finance.services.certificates import (
    access_certificate,
    certificate_fee_paid,
    certificate_issue,
    certificate_refuse,
    certificate_request,
    certificate_verify,
)

PERM = "finance.issue_certificates"
ERRORS = {400: ErrorResponseSerializer, 401: ErrorResponseSerializer, 403: ErrorResponseSerializer}


class ArrearsCertificateSerializer(serializers.ModelSerializer):
    party = serializers.IntegerField(source="party_id")
    case = serializers.CharField(source="case.mark", default=None)
    document = serializers.IntegerField(source="document_id", allow_null=True)

    class Meta:
        model = Certificate
        fields = [
            "id", "number", "party", "requested_on", "as_of", "purpose", "status", "outcome", "fee_amount",
            "fee_exempt", "fee_exemption_basis", "fee_paid_on", "fee_reference", "case", "deadline", "rows",
            "total_arrears", "verification_code", "sha256", "document", "issued_on", "refusal_reason",
        ]  # fmt: skip


class RequestSerializer(serializers.Serializer):
    party = serializers.IntegerField()
    as_of = serializers.DateField(required=False, allow_null=True, default=None)
    purpose = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")
    fee_exempt = serializers.BooleanField(required=False, default=False)
    fee_exemption_basis = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class FeeSerializer(serializers.Serializer):
    paid_on = serializers.DateField()
    reference = serializers.CharField(max_length=200)


class RefuseSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class VerifySerializer(serializers.Serializer):
    number = serializers.CharField()
    issued_on = serializers.DateField()
    outcome = serializers.CharField()
    party_initials = serializers.CharField()


class CertificateListApi(APIView):
    permission_classes = [require_perms(PERM)]

    @extend_schema(responses={200: ArrearsCertificateSerializer(many=True), **ERRORS})
    def get(self, request):
        queryset = Certificate.objects.select_related("case").order_by("-requested_on", "-id")
        if request.query_params.get("status"):
            queryset = queryset.filter(status=request.query_params["status"])
        if request.query_params.get("party", "").isdigit():
            queryset = queryset.filter(party_id=int(request.query_params["party"]))
        paginator = Pagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(ArrearsCertificateSerializer(page, many=True).data)

    @extend_schema(request=RequestSerializer, responses={201: ArrearsCertificateSerializer, **ERRORS})
    def post(self, request):
        data = RequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        certificate = certificate_request(actor=request.user, **data.validated_data)
        return Response(ArrearsCertificateSerializer(certificate).data, status=status.HTTP_201_CREATED)


class CertificateDetailApi(APIView):
    permission_classes = [require_perms(PERM)]

    @extend_schema(responses={200: ArrearsCertificateSerializer, **ERRORS})
    def get(self, request, pk: int):
        certificate = access_certificate(user=request.user, certificate_id=pk, purpose="detail")  # the read is logged
        return Response(ArrearsCertificateSerializer(certificate).data)


class CertificateFeeApi(APIView):
    permission_classes = [require_perms(PERM)]

    @extend_schema(request=FeeSerializer, responses={200: ArrearsCertificateSerializer, **ERRORS})
    def post(self, request, pk: int):
        data = FeeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        certificate = get_object_or_404(Certificate, pk=pk)
        done = certificate_fee_paid(actor=request.user, certificate=certificate, **data.validated_data)
        return Response(ArrearsCertificateSerializer(done).data)


class CertificateIssueApi(APIView):
    permission_classes = [require_perms(PERM)]

    @extend_schema(request=None, responses={200: ArrearsCertificateSerializer, **ERRORS})
    def post(self, request, pk: int):
        certificate = get_object_or_404(Certificate, pk=pk)
        return Response(
            ArrearsCertificateSerializer(certificate_issue(actor=request.user, certificate=certificate)).data
        )


class CertificateRefuseApi(APIView):
    permission_classes = [require_perms(PERM)]

    @extend_schema(request=RefuseSerializer, responses={200: ArrearsCertificateSerializer, **ERRORS})
    def post(self, request, pk: int):
        data = RefuseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        certificate = get_object_or_404(Certificate, pk=pk)
        done = certificate_refuse(actor=request.user, certificate=certificate, reason=data.validated_data["reason"])
        return Response(ArrearsCertificateSerializer(done).data)


class CertificatePdfApi(APIView):
    permission_classes = [require_perms(PERM)]

    @extend_schema(responses={(200, "application/pdf"): bytes, **ERRORS})
    def get(self, request, pk: int):
        certificate = access_certificate(user=request.user, certificate_id=pk, purpose="pdf", issued_only=True)
        response = HttpResponse(bytes(certificate.pdf), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="zaswiadczenie-{certificate.number.replace("/", "-")}.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response


class CertificateVerifyApi(APIView):
    """Public: number, issue date, outcome and the party's initials of an issued certificate — no amounts."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [AnonRateThrottle]
    throttle_scope = "anon"

    @extend_schema(responses={200: VerifySerializer, 404: ErrorResponseSerializer})
    def get(self, request):
        found = certificate_verify(code=request.query_params.get("code", ""))
        if found is None:
            return Response(error_body(_("Not found."), "not_found"), status=status.HTTP_404_NOT_FOUND)
        response = Response(VerifySerializer(found).data)
        response["Cache-Control"] = "no-store"
        return response


urlpatterns = [
    path("certificates/", CertificateListApi.as_view(), name="api-finance-certificates"),
    path("certificates/verify/", CertificateVerifyApi.as_view(), name="api-finance-certificate-verify"),
    path("certificates/<int:pk>/", CertificateDetailApi.as_view(), name="api-finance-certificate"),
    path("certificates/<int:pk>/fee/", CertificateFeeApi.as_view(), name="api-finance-certificate-fee"),
    path("certificates/<int:pk>/issue/", CertificateIssueApi.as_view(), name="api-finance-certificate-issue"),
    path("certificates/<int:pk>/refuse/", CertificateRefuseApi.as_view(), name="api-finance-certificate-refuse"),
    path("certificates/<int:pk>/pdf/", CertificatePdfApi.as_view(), name="api-finance-certificate-pdf"),
]
