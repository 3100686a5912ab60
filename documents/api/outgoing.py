"""/api/v1/documents/: outgoing documents (drafts, versions, approval path, signing) and the template registry.

Thin views: the permission is declared per view (and per method); documents are read through
``documents.selectors.access_document`` (visibility as in ``documents_visible_to``, the read logged); the rules live in
``documents.services.outgoing`` / ``documents.services.signing``.
"""

from django.http import Http404, HttpResponse
from django.urls import path, reverse
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.api.pagination import Pagination
from core.api.permissions import require_perms, require_perms_by_method
from core.api.serializers import ErrorResponseSerializer
from core.exceptions import ServiceValidationError
from core.models import Party
from documents.models import DocumentTemplate, OutgoingDocument
from documents.selectors import access_case, access_document, documents_visible_to
from documents.services import outgoing as svc
from documents.services import signing
from documents.services.templates import active_templates, template_fields

ERRORS = {400: ErrorResponseSerializer, 401: ErrorResponseSerializer, 403: ErrorResponseSerializer}
NOT_FOUND = {404: ErrorResponseSerializer}
VIEW = ("documents.view_outgoingdocument",)
HANDLE = ("documents.view_outgoingdocument", "documents.handle_case")


class TemplateFieldSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    required = serializers.BooleanField()
    multiline = serializers.BooleanField()
    money = serializers.BooleanField()


class TemplateSerializer(serializers.ModelSerializer):
    template_fields = serializers.SerializerMethodField()

    class Meta:
        model = DocumentTemplate
        fields = ["id", "code", "version", "name", "kind", "template_fields"]
        read_only_fields = fields

    @extend_schema_field(TemplateFieldSerializer(many=True))
    def get_template_fields(self, obj) -> list[dict]:
        return TemplateFieldSerializer(template_fields(obj), many=True).data


class VersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    context = serializers.JSONField()
    comment = serializers.CharField()
    created_by = serializers.CharField(source="created_by.get_username")
    created_at = serializers.DateTimeField()
    pdf_url = serializers.SerializerMethodField()
    xml_url = serializers.SerializerMethodField()

    def _url(self, obj, fmt):
        return reverse("api-documents-outgoing-version-file", args=[obj.document_id, obj.number, fmt])

    def get_pdf_url(self, obj) -> str | None:
        return self._url(obj, "pdf") if obj.pdf else None

    def get_xml_url(self, obj) -> str | None:
        return self._url(obj, "xml") if obj.xml else None


class StepSerializer(serializers.Serializer):
    round = serializers.IntegerField()
    order = serializers.IntegerField()
    approver = serializers.CharField(source="approver.get_username")
    status = serializers.CharField()
    version = serializers.IntegerField(source="version.number", allow_null=True)
    comment = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)


class DocumentSerializer(serializers.ModelSerializer):
    case_mark = serializers.CharField(source="case.mark", read_only=True)
    template = serializers.SerializerMethodField()
    recipient_ids = serializers.SerializerMethodField()
    created_by = serializers.CharField(source="created_by.get_username", read_only=True)
    signed_by = serializers.SerializerMethodField()

    class Meta:
        model = OutgoingDocument
        fields = [
            "id",
            "case_id",
            "case_mark",
            "title",
            "kind",
            "status",
            "template",
            "recipient_ids",
            "signature_kind",
            "signed_by",
            "signed_at",
            "source_app",
            "source_ref",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_template(self, obj) -> str | None:
        return f"{obj.template.code}:v{obj.template.version}" if obj.template_id else None

    def get_recipient_ids(self, obj) -> list[int]:
        return sorted(p.pk for p in obj.recipients.all())

    def get_signed_by(self, obj) -> str | None:
        return obj.signed_by.get_username() if obj.signed_by_id else None


class DocumentDetailSerializer(DocumentSerializer):
    versions = serializers.SerializerMethodField()
    approval_steps = serializers.SerializerMethodField()

    class Meta(DocumentSerializer.Meta):
        fields = [*DocumentSerializer.Meta.fields, "versions", "approval_steps"]
        read_only_fields = fields

    def get_versions(self, obj) -> list[dict]:
        return VersionSerializer(obj.versions.select_related("created_by").order_by("number"), many=True).data

    def get_approval_steps(self, obj) -> list[dict]:
        steps = obj.approval_steps.select_related("approver", "version").order_by("round", "order")
        return StepSerializer(steps, many=True).data


class DraftInputSerializer(serializers.Serializer):
    case_id = serializers.IntegerField()
    template_id = serializers.IntegerField()
    title = serializers.CharField(max_length=500)
    recipient_ids = serializers.ListField(child=serializers.IntegerField(), allow_empty=False, max_length=50)
    context = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False, default=dict)


class VersionInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=500, required=False)
    context = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ApprovalInputSerializer(serializers.Serializer):
    approver_ids = serializers.ListField(
        child=serializers.IntegerField(), allow_empty=False, max_length=10, help_text=_("Approvers in order.")
    )


class DecisionInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "return"])
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class SignInputSerializer(serializers.Serializer):
    manner = serializers.ChoiceField(choices=["xades", "paper"], default="xades")


def _invalid(field: str, message: str) -> ServiceValidationError:
    return ServiceValidationError(gettext("The data contain errors."), errors={field: [message]})


def _document(request, pk: int, purpose: str) -> OutgoingDocument:
    return access_document(user=request.user, document_id=pk, purpose=purpose)


def _detail(document) -> dict:
    document.refresh_from_db()
    return DocumentDetailSerializer(document).data


class DocumentListApi(GenericAPIView):
    """GET: the outgoing documents the user can see (filter ``case_id``, ``status``). POST: a new draft."""

    queryset = OutgoingDocument.objects.none()  # for the schema; the view reads through the selectors
    permission_classes = [require_perms_by_method({"GET": VIEW, "POST": HANDLE})]
    serializer_class = DocumentSerializer
    pagination_class = Pagination

    @extend_schema(operation_id="documents_outgoing_list", responses={200: DocumentSerializer(many=True), **ERRORS})
    def get(self, request):
        qs = documents_visible_to(request.user).select_related("case", "template", "created_by", "signed_by")
        qs = qs.prefetch_related("recipients").order_by("-created_at", "-pk")
        if request.query_params.get("case_id", "").isdigit():
            qs = qs.filter(case_id=int(request.query_params["case_id"]))
        if request.query_params.get("status"):
            qs = qs.filter(status=request.query_params["status"])
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(DocumentSerializer(page, many=True).data)

    @extend_schema(
        operation_id="documents_outgoing_draft_create",
        request=DraftInputSerializer,
        responses={201: DocumentDetailSerializer, **NOT_FOUND, **ERRORS},
    )
    def post(self, request):
        serializer = DraftInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        case = access_case(user=request.user, case_id=data["case_id"], purpose="api draft")
        template = DocumentTemplate.objects.filter(pk=data["template_id"], is_active=True).first()
        if template is None:
            raise _invalid("template_id", gettext("No such template."))
        recipients = list(Party.objects.filter(pk__in=data["recipient_ids"]))
        if len(recipients) != len(set(data["recipient_ids"])):
            raise _invalid("recipient_ids", gettext("No such party."))
        document = svc.draft_create(
            actor=request.user,
            case=case,
            template=template,
            title=data["title"],
            recipients=recipients,
            context=data["context"],
        )
        return Response(_detail(document), status=status.HTTP_201_CREATED)


class DocumentDetailApi(GenericAPIView):
    """GET: a document with its versions and approval path. PATCH: a new version of a draft."""

    permission_classes = [require_perms_by_method({"GET": VIEW, "PATCH": HANDLE})]
    serializer_class = DocumentDetailSerializer

    @extend_schema(operation_id="documents_outgoing_retrieve", responses={200: DocumentDetailSerializer, **NOT_FOUND})
    def get(self, request, pk: int):
        return Response(DocumentDetailSerializer(_document(request, pk, "api")).data)

    @extend_schema(
        operation_id="documents_outgoing_version_add",
        request=VersionInputSerializer,
        responses={200: DocumentDetailSerializer, **NOT_FOUND, **ERRORS},
    )
    def patch(self, request, pk: int):
        serializer = VersionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        document = _document(request, pk, "api version")
        svc.draft_update(
            actor=request.user,
            document=document,
            context=data.get("context"),
            title=data.get("title"),
            comment=data["comment"],
        )
        return Response(_detail(document))


class VersionFileApi(GenericAPIView):
    """The PDF or the XML of one version, as stored."""

    permission_classes = [require_perms(*VIEW)]
    serializer_class = None

    @extend_schema(
        operation_id="documents_outgoing_version_file",
        responses={200: OpenApiResponse(OpenApiTypes.BINARY), **NOT_FOUND, **ERRORS},
    )
    def get(self, request, pk: int, number: int, fmt: str):
        document = _document(request, pk, f"api {fmt}")
        version = document.versions.filter(number=number).first()
        content = None
        if version is not None and fmt in ("pdf", "xml"):
            content = version.pdf if fmt == "pdf" else version.xml
        if not content:
            raise Http404
        response = HttpResponse(bytes(content), content_type="application/pdf" if fmt == "pdf" else "application/xml")
        name = f"{slugify(document.case.mark)}-{document.pk}-v{number}.{fmt}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "private, no-store"
        return response


class ApprovalStartApi(GenericAPIView):
    """Send the latest version for approval to the approvers in order (a new round)."""

    permission_classes = [require_perms(*HANDLE)]
    serializer_class = ApprovalInputSerializer

    @extend_schema(
        operation_id="documents_outgoing_approval_start",
        request=ApprovalInputSerializer,
        responses={200: DocumentDetailSerializer, **NOT_FOUND, **ERRORS},
    )
    def post(self, request, pk: int):
        serializer = ApprovalInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ids = serializer.validated_data["approver_ids"]
        document = _document(request, pk, "api approval")
        from django.contrib.auth import get_user_model

        users = {u.pk: u for u in get_user_model().objects.filter(pk__in=ids)}
        if any(i not in users for i in ids):
            raise _invalid("approver_ids", gettext("No such user."))
        svc.approval_start(actor=request.user, document=document, approvers=[users[i] for i in ids])
        return Response(_detail(document))


class DecisionApi(GenericAPIView):
    """The pending approver's decision: approve, or return for correction (comment required)."""

    permission_classes = [require_perms("documents.approve_document")]
    serializer_class = DecisionInputSerializer

    @extend_schema(
        operation_id="documents_outgoing_decide",
        request=DecisionInputSerializer,
        responses={200: DocumentDetailSerializer, **NOT_FOUND, **ERRORS},
    )
    def post(self, request, pk: int):
        serializer = DecisionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        document = _document(request, pk, "api decision")
        svc.approval_decide(
            actor=request.user, document=document, approve=data["decision"] == "approve", comment=data["comment"]
        )
        return Response(_detail(document))


class SignApi(GenericAPIView):
    """Sign: ``xades`` (electronic seal of the office on the XML) or ``paper`` (signed by hand)."""

    permission_classes = [require_perms("documents.sign_document")]
    serializer_class = SignInputSerializer

    @extend_schema(
        operation_id="documents_outgoing_sign",
        request=SignInputSerializer,
        responses={200: DocumentDetailSerializer, **NOT_FOUND, **ERRORS},
    )
    def post(self, request, pk: int):
        serializer = SignInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        document = _document(request, pk, "api sign")
        if serializer.validated_data["manner"] == "xades":
            signing.document_sign(actor=request.user, document=document)
        else:
            signing.document_mark_signed_on_paper(actor=request.user, document=document)
        return Response(_detail(document))


class TemplateListApi(GenericAPIView):
    """The active document templates (newest version of each code) with the fields each expects."""

    queryset = DocumentTemplate.objects.none()  # for the schema; the view reads through the selectors
    permission_classes = [require_perms(*VIEW)]
    serializer_class = TemplateSerializer

    @extend_schema(operation_id="documents_templates_list", responses={200: TemplateSerializer(many=True), **ERRORS})
    def get(self, request):
        return Response(TemplateSerializer(active_templates(), many=True).data)


urlpatterns = [
    path("documents/", DocumentListApi.as_view(), name="api-documents-outgoing-list"),
    path("documents/<int:pk>/", DocumentDetailApi.as_view(), name="api-documents-outgoing-detail"),
    path(
        "documents/<int:pk>/versions/<int:number>/<str:fmt>",
        VersionFileApi.as_view(),
        name="api-documents-outgoing-version-file",
    ),
    path("documents/<int:pk>/approval/", ApprovalStartApi.as_view(), name="api-documents-outgoing-approval"),
    path("documents/<int:pk>/decision/", DecisionApi.as_view(), name="api-documents-outgoing-decision"),
    path("documents/<int:pk>/sign/", SignApi.as_view(), name="api-documents-outgoing-sign"),
    path("templates/", TemplateListApi.as_view(), name="api-documents-templates"),
]
