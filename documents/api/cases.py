"""/api/v1/documents/: cases (list, open, detail, status, re-classification, metryka), JRWA, spis spraw.

Thin views: the permission is declared per view; a case is read through ``access_case`` (logged) or, for an
action on it, found among ``cases_visible_to`` (the action itself is logged by its service); the rules live in
documents.services.cases.
"""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from core.api.permissions import require_perms, require_perms_by_method
from core.api.serializers import ErrorResponseSerializer
from core.exceptions import NotFoundOrForbidden, ServiceValidationError
from core.models import OrgUnit, Party
from documents.models import Case, JrwaClass
from documents.selectors import access_case, cases_visible_to, entries_visible_to
from documents.services.case_reports import metryka, metryka_pdf, spis_spraw, spis_spraw_pdf
from documents.services.cases import allowed_transitions, case_open, case_reclassify, case_transition
from documents.services.jrwa import current_classes

ERRORS = {400: ErrorResponseSerializer, 401: ErrorResponseSerializer, 403: ErrorResponseSerializer}
NOT_FOUND = {404: ErrorResponseSerializer}
VIEW = ("documents.view_case",)
HANDLE = ("documents.view_case", "documents.handle_case")


class PdfRenderer(BaseRenderer):
    """Lets ``?format=pdf`` through DRF's content negotiation; the views return the PDF bytes themselves."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        # An error raised after negotiation still renders its JSON body.
        return data if isinstance(data, bytes) else JSONRenderer().render(data)


def _invalid(field: str, message: str) -> ServiceValidationError:
    return ServiceValidationError(gettext("The data contain errors."), errors={field: [message]})


def _current_class(symbol: str, field: str = "jrwa") -> JrwaClass:
    jrwa = JrwaClass.objects.select_related("version").filter(version__is_current=True, symbol=symbol).first()
    if jrwa is None:
        raise _invalid(field, gettext("No class %(symbol)s in the current JRWA.") % {"symbol": symbol})
    return jrwa


def _unit(unit_id: int, field: str = "unit") -> OrgUnit:
    unit = OrgUnit.objects.filter(pk=unit_id, is_active=True).first()
    if unit is None:
        raise _invalid(field, gettext("No such unit."))
    return unit


def _visible_case(request, pk: int) -> Case:
    case = cases_visible_to(request.user).filter(pk=pk).first()
    if case is None:
        raise NotFoundOrForbidden("not found")
    return case


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- serializers -------------------------------------------------------------------------------------------


class JrwaClassSerializer(serializers.ModelSerializer):
    class Meta:
        model = JrwaClass
        fields = ["id", "symbol", "title", "archival_category", "handling_days", "procedure", "is_leaf"]
        read_only_fields = fields


class CaseListSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.symbol", read_only=True)
    jrwa = serializers.CharField(source="jrwa.symbol", read_only=True)
    owner = serializers.CharField(source="owner.get_username", read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "mark",
            "title",
            "unit",
            "jrwa",
            "year",
            "number",
            "status",
            "owner",
            "priority",
            "opened_on",
            "due_date",
            "closed_on",
        ]
        read_only_fields = fields


class CaseSerializer(CaseListSerializer):
    jrwa_title = serializers.CharField(source="jrwa.title", read_only=True)
    archival_category = serializers.CharField(source="jrwa.archival_category", read_only=True)
    parties = serializers.SerializerMethodField()
    entries = serializers.SerializerMethodField()
    allowed_transitions = serializers.SerializerMethodField()

    class Meta(CaseListSerializer.Meta):
        fields = [
            *CaseListSerializer.Meta.fields,
            "previous_marks",
            "description",
            "jrwa_title",
            "archival_category",
            "due_basis",
            "suspended_on",
            "closing_manner",
            "closing_note",
            "archive_status",
            "parties",
            "entries",
            "allowed_transitions",
        ]
        read_only_fields = fields

    def get_parties(self, obj) -> list[dict]:
        return [{"id": p.pk, "name": p.display_name} for p in obj.parties.order_by("pk")]

    def get_entries(self, obj) -> list[dict]:
        return [{"id": e.pk, "rpw_number": e.rpw_number, "title": e.title} for e in obj.entries.order_by("pk")]

    def get_allowed_transitions(self, obj) -> list[str]:
        request = self.context.get("request")
        return allowed_transitions(request.user, obj) if request else []


class CaseOpenInputSerializer(serializers.Serializer):
    unit = serializers.IntegerField(help_text=_("Id of the unit."))
    jrwa = serializers.RegexField(r"^[0-9]{1,4}$", help_text=_("Symbol of a final class of the current JRWA."))
    title = serializers.CharField(max_length=500)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    owner = serializers.IntegerField(required=False, allow_null=True, default=None)
    entry = serializers.IntegerField(required=False, allow_null=True, default=None)
    parties = serializers.ListField(child=serializers.IntegerField(), required=False, default=list, max_length=50)
    opened_on = serializers.DateField(required=False, allow_null=True, default=None)
    procedure = serializers.CharField(required=False, allow_blank=True, default="", max_length=50)
    due_date = serializers.DateField(required=False, allow_null=True, default=None)


class CaseTransitionInputSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Case.Status.choices)
    closed_on = serializers.DateField(required=False, allow_null=True, default=None)
    on = serializers.DateField(required=False, allow_null=True, default=None)
    manner = serializers.ChoiceField(choices=Case.ClosingManner.choices, required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class CaseReclassifyInputSerializer(serializers.Serializer):
    jrwa = serializers.RegexField(r"^[0-9]{1,4}$")
    unit = serializers.IntegerField(required=False, allow_null=True, default=None)


class MetrykaRowSerializer(serializers.Serializer):
    lp = serializers.IntegerField()
    person = serializers.CharField()
    at = serializers.DateTimeField()
    activity = serializers.CharField()
    action = serializers.CharField()
    document = serializers.CharField()


class SpisRowSerializer(serializers.Serializer):
    lp = serializers.IntegerField()
    mark = serializers.CharField()
    title = serializers.CharField()
    sender = serializers.CharField()
    letter_reference = serializers.CharField()
    letter_date = serializers.DateField(allow_null=True)
    opened_on = serializers.DateField()
    closed_on = serializers.DateField(allow_null=True)
    remarks = serializers.CharField()


# --- views -------------------------------------------------------------------------------------------------


class CaseListApi(GenericAPIView):
    """GET: the cases visible to the user (filters unit, jrwa, year, status, owner). POST: open a case."""

    queryset = Case.objects.none()  # for the schema; the view reads through the selectors
    permission_classes = [require_perms_by_method({"GET": VIEW, "POST": HANDLE})]
    serializer_class = CaseListSerializer

    @extend_schema(
        operation_id="documents_case_list",
        parameters=[
            OpenApiParameter("unit", int),
            OpenApiParameter("jrwa", str, description="JRWA symbol"),
            OpenApiParameter("year", int),
            OpenApiParameter("status", str, enum=Case.Status.values),
            OpenApiParameter("owner", int),
        ],
        responses={200: CaseListSerializer(many=True), **ERRORS},
    )
    def get(self, request):
        qs = cases_visible_to(request.user).select_related("unit", "jrwa", "owner")
        params = request.query_params
        for name, lookup in (("unit", "unit_id"), ("year", "year"), ("owner", "owner_id")):
            value = params.get(name, "")
            if value:
                if not value.isdigit():
                    raise _invalid(name, gettext("Give a number."))
                qs = qs.filter(**{lookup: int(value)})
        if params.get("jrwa"):
            qs = qs.filter(jrwa__symbol=params["jrwa"])
        if params.get("status"):
            if params["status"] not in Case.Status.values:
                raise _invalid("status", gettext("Unknown status."))
            qs = qs.filter(status=params["status"])
        page = self.paginate_queryset(qs.order_by("-year", "unit__symbol", "jrwa__symbol", "-number"))
        return self.get_paginated_response(CaseListSerializer(page, many=True).data)

    @extend_schema(
        operation_id="documents_case_open",
        request=CaseOpenInputSerializer,
        responses={201: CaseSerializer, **ERRORS},
    )
    def post(self, request):
        serializer = CaseOpenInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        entry = None
        if data["entry"] is not None:
            entry = entries_visible_to(request.user).filter(pk=data["entry"]).first()
            if entry is None:
                raise _invalid("entry", gettext("No such letter."))
        owner = None
        if data["owner"] is not None:
            from django.contrib.auth import get_user_model

            owner = get_user_model().objects.filter(pk=data["owner"], is_active=True).first()
            if owner is None:
                raise _invalid("owner", gettext("No such user."))
        parties = list(Party.objects.filter(pk__in=data["parties"]))
        if len(parties) != len(set(data["parties"])):
            raise _invalid("parties", gettext("No such party."))
        case = case_open(
            actor=request.user,
            unit=_unit(data["unit"]),
            jrwa=_current_class(data["jrwa"]),
            title=data["title"],
            owner=owner,
            entry=entry,
            parties=parties,
            opened_on=data["opened_on"],
            procedure=data["procedure"],
            due_date=data["due_date"],
            description=data["description"],
        )
        return Response(CaseSerializer(case, context={"request": request}).data, status=status.HTTP_201_CREATED)


class CaseDetailApi(GenericAPIView):
    """One case (the read is logged: it shows up in the metryka as "read the case")."""

    permission_classes = [require_perms(*VIEW)]
    serializer_class = CaseSerializer

    @extend_schema(operation_id="documents_case_retrieve", responses={200: CaseSerializer, **NOT_FOUND, **ERRORS})
    def get(self, request, pk: int):
        case = access_case(user=request.user, case_id=pk, purpose="api")
        return Response(CaseSerializer(case, context={"request": request}).data)


class CaseTransitionApi(GenericAPIView):
    """Change the status: suspend, resume (``open``), close (``closed_on`` and ``manner``), re-open."""

    permission_classes = [require_perms(*HANDLE)]
    serializer_class = CaseTransitionInputSerializer

    @extend_schema(
        operation_id="documents_case_transition",
        request=CaseTransitionInputSerializer,
        responses={200: CaseSerializer, **NOT_FOUND, **ERRORS},
    )
    def post(self, request, pk: int):
        serializer = CaseTransitionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        case = _visible_case(request, pk)
        case_transition(
            actor=request.user,
            case=case,
            to=data["to"],
            on=data["closed_on"] if data["to"] == Case.Status.CLOSED else data["on"],
            manner=data["manner"],
            note=data["note"],
        )
        return Response(CaseSerializer(case, context={"request": request}).data)


class CaseReclassifyApi(GenericAPIView):
    """Move the case to another JRWA class (and unit): a new mark; the previous one is kept."""

    permission_classes = [require_perms(*HANDLE)]
    serializer_class = CaseReclassifyInputSerializer

    @extend_schema(
        operation_id="documents_case_reclassify",
        request=CaseReclassifyInputSerializer,
        responses={200: CaseSerializer, **NOT_FOUND, **ERRORS},
    )
    def post(self, request, pk: int):
        serializer = CaseReclassifyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        case = _visible_case(request, pk)
        unit = _unit(data["unit"]) if data["unit"] is not None else None
        case_reclassify(actor=request.user, case=case, jrwa=_current_class(data["jrwa"]), unit=unit)
        return Response(CaseSerializer(case, context={"request": request}).data)


class CaseMetrykaApi(GenericAPIView):
    """The metryka sprawy generated from the audit trail; ``?format=pdf`` for the printable PDF."""

    permission_classes = [require_perms(*VIEW)]
    renderer_classes = [JSONRenderer, PdfRenderer]
    serializer_class = MetrykaRowSerializer

    @extend_schema(
        operation_id="documents_case_metryka",
        parameters=[OpenApiParameter("format", str, enum=["json", "pdf"])],
        responses={
            200: MetrykaRowSerializer(many=True),
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            **NOT_FOUND,
            **ERRORS,
        },
    )
    def get(self, request, pk: int):
        case = access_case(user=request.user, case_id=pk, purpose="metryka")
        report = metryka(case=case)
        if request.accepted_renderer.format == "pdf":
            return _pdf(metryka_pdf(report), f"metryka-{case.mark}.pdf")
        return Response(
            {
                "case_id": case.pk,
                "mark": case.mark,
                "title": case.title,
                "rows": MetrykaRowSerializer(report.rows, many=True).data,
            }
        )


class JrwaListApi(GenericAPIView):
    """The classes of the current JRWA version."""

    queryset = JrwaClass.objects.none()  # for the schema; the view reads through the selectors
    permission_classes = [require_perms("documents.view_jrwaclass")]
    serializer_class = JrwaClassSerializer
    pagination_class = None

    @extend_schema(operation_id="documents_jrwa_list", responses={200: JrwaClassSerializer(many=True), **ERRORS})
    def get(self, request):
        return Response(JrwaClassSerializer(current_classes(), many=True).data)


class SpisSprawApi(GenericAPIView):
    """The spis spraw of a JRWA class in a unit for a year (``?format=pdf`` for the printable PDF)."""

    permission_classes = [require_perms(*VIEW)]
    renderer_classes = [JSONRenderer, PdfRenderer]
    serializer_class = SpisRowSerializer

    @extend_schema(
        operation_id="documents_spis_spraw",
        parameters=[
            OpenApiParameter("unit", int, required=True),
            OpenApiParameter("jrwa", str, required=True, description="JRWA symbol (current version)"),
            OpenApiParameter("year", int, required=True),
            OpenApiParameter("format", str, enum=["json", "pdf"]),
        ],
        responses={
            200: SpisRowSerializer(many=True),
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            **ERRORS,
        },
    )
    def get(self, request):
        params = request.query_params
        errors = {}
        for name in ("unit", "year"):
            if not params.get(name, "").isdigit():
                errors[name] = [gettext("Give a number.")]
        if not params.get("jrwa"):
            errors["jrwa"] = [gettext("Give the JRWA symbol.")]
        if errors:
            raise ServiceValidationError(gettext("The data contain errors."), errors=errors)
        unit = get_object_or_404(OrgUnit, pk=int(params["unit"]))
        jrwa = _current_class(params["jrwa"])
        report = spis_spraw(cases=cases_visible_to(request.user), unit=unit, jrwa=jrwa, year=int(params["year"]))
        if request.accepted_renderer.format == "pdf":
            return _pdf(spis_spraw_pdf(report), f"spis-spraw-{unit.symbol}-{jrwa.symbol}-{report.year}.pdf")
        return Response(
            {
                "unit": unit.symbol,
                "unit_name": unit.name,
                "jrwa": jrwa.symbol,
                "jrwa_title": jrwa.title,
                "year": report.year,
                "rows": SpisRowSerializer(report.rows, many=True).data,
            }
        )


urlpatterns = [
    path("cases/", CaseListApi.as_view(), name="api-documents-case-list"),
    path("cases/<int:pk>/", CaseDetailApi.as_view(), name="api-documents-case-detail"),
    path("cases/<int:pk>/transition/", CaseTransitionApi.as_view(), name="api-documents-case-transition"),
    path("cases/<int:pk>/reclassify/", CaseReclassifyApi.as_view(), name="api-documents-case-reclassify"),
    path("cases/<int:pk>/metryka/", CaseMetrykaApi.as_view(), name="api-documents-case-metryka"),
    path("jrwa/", JrwaListApi.as_view(), name="api-documents-jrwa-list"),
    path("spis-spraw/", SpisSprawApi.as_view(), name="api-documents-spis-spraw"),
]
