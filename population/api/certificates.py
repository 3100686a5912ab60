"""/api/v1/population/: certificates of registration (issue, metadata, the stored PDF).

Thin views: the permission is declared per view; the resident is read through ``access_resident_by_id``
(logged) and the certificate through ``access_certificate_by_id`` (logged); the rules live in
population.certificates.
"""

from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.api.permissions import require_perms
from core.api.serializers import ErrorResponseSerializer
from core.exceptions import NotFoundOrForbidden, ServiceValidationError
from core.selectors import access_party_by_id
from population.certificates import access_certificate_by_id, certificate_issue, verification_path
from population.models import Certificate
from population.selectors import access_resident_by_id

ERRORS = {400: ErrorResponseSerializer, 401: ErrorResponseSerializer, 403: ErrorResponseSerializer}
NOT_FOUND = {404: ErrorResponseSerializer}


class CertificateIssueInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Certificate.Kind.choices)
    as_of = serializers.DateField(help_text=_("The day whose state the certificate states (YYYY-MM-DD)."))
    requester_id = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text=_("Id of the requesting party (optional).")
    )
    purpose = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    fee_exemption = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Basis of the exemption from stamp duty; empty = the duty is charged."),
    )


class CertificateSerializer(serializers.ModelSerializer):
    resident_id = serializers.IntegerField(read_only=True)
    requester_id = serializers.IntegerField(read_only=True, allow_null=True)
    issued_by = serializers.CharField(source="issued_by.get_username", read_only=True)
    fee_amount = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    verification_path = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = [
            "id",
            "number",
            "case_mark",
            "resident_id",
            "kind",
            "as_of",
            "requester_id",
            "purpose",
            "fee_code",
            "fee_amount",
            "fee_exemption",
            "verification_code",
            "verification_path",
            "pdf_url",
            "pdf_sha256",
            "issued_at",
            "issued_by",
        ]
        read_only_fields = fields

    def get_verification_path(self, obj) -> str:
        return verification_path(obj.verification_code)

    def get_pdf_url(self, obj) -> str:
        return reverse("api-population-certificate-pdf", args=[obj.pk])


class ResidentCertificateIssueApi(GenericAPIView):
    """Issue a certificate of registration (zaświadczenie o zameldowaniu) for a resident."""

    permission_classes = [require_perms("population.view_resident", "population.issue_certificate")]
    serializer_class = CertificateIssueInputSerializer

    @extend_schema(
        operation_id="population_resident_certificate_issue",
        request=CertificateIssueInputSerializer,
        responses={201: CertificateSerializer, **NOT_FOUND, **ERRORS},
        description=(
            "Current: the registrations in force on `as_of`; historical: all registrations up to `as_of`. "
            "Refused (400, field `as_of`) when there is nothing to certify. Stamp duty 17,00 zł unless "
            "`fee_exemption` is given."
        ),
    )
    def post(self, request, pk: int):
        serializer = CertificateIssueInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        resident = access_resident_by_id(user=request.user, resident_id=pk, purpose="api certificate")
        requester = None
        if data["requester_id"] is not None:
            try:
                requester = access_party_by_id(user=request.user, party_id=data["requester_id"], purpose="requester")
            except NotFoundOrForbidden:
                raise ServiceValidationError(
                    gettext("The data contain errors."), errors={"requester_id": [gettext("No such party.")]}
                ) from None
        certificate = certificate_issue(
            actor=request.user,
            resident=resident,
            kind=data["kind"],
            as_of=data["as_of"],
            requester=requester,
            purpose=data["purpose"],
            fee_exemption=data["fee_exemption"],
        )
        return Response(CertificateSerializer(certificate).data, status=status.HTTP_201_CREATED)


class CertificateDetailApi(GenericAPIView):
    """A certificate's metadata (the read is logged)."""

    permission_classes = [require_perms("population.view_certificate")]
    serializer_class = CertificateSerializer

    @extend_schema(
        operation_id="population_certificate_retrieve", responses={200: CertificateSerializer, **NOT_FOUND, **ERRORS}
    )
    def get(self, request, pk: int):
        certificate = access_certificate_by_id(user=request.user, certificate_id=pk, purpose="api")
        return Response(CertificateSerializer(certificate).data)


class CertificatePdfApi(GenericAPIView):
    """The stored PDF of a certificate, as issued (header X-Content-SHA256 carries its checksum)."""

    permission_classes = [require_perms("population.view_certificate")]
    serializer_class = None

    @extend_schema(
        operation_id="population_certificate_pdf",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF as issued."),
            **NOT_FOUND,
            **ERRORS,
        },
    )
    def get(self, request, pk: int):
        certificate = access_certificate_by_id(user=request.user, certificate_id=pk, purpose="api pdf")
        try:
            handle = certificate.pdf.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(
            handle,
            content_type="application/pdf",
            filename=f"zaswiadczenie-{certificate.number.replace('.', '-')}.pdf",
        )
        response["X-Content-SHA256"] = certificate.pdf_sha256
        response["Cache-Control"] = "private, no-store"
        return response
