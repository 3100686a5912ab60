"""/api/v1/taxes/declarations/ — declarations: list (filters status, form, late) and record, detail, accept (the
stored proposal or a clerk-edited one), reject with a reason, and a declaration read from an EZD entry
(an ePUAP / e-Doręczenia form). Thin views: viewing needs taxes.view_declaration, changes also
taxes.manage_register; the rules are in ``taxes.services.declarations`` (a refusal is a 400 in the project's error
shape)."""

from __future__ import annotations

from django.http import Http404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.pagination import Pagination
from core.api.permissions import require_perms, require_perms_by_method
from core.api.serializers import ErrorResponseSerializer
from core.models import Party
from documents.models import IncomingEntry
from taxes.models import Declaration
from taxes.services import declarations as svc
from taxes.views.declarations import filtered

VIEW = "taxes.view_declaration"
MANAGE = "taxes.manage_register"
ERRORS = {400: ErrorResponseSerializer, 401: ErrorResponseSerializer, 403: ErrorResponseSerializer}
NOT_FOUND = {404: ErrorResponseSerializer}
FILTERS = [OpenApiParameter(name, str, required=False) for name in ("status", "form", "late", "page")]


class TaxDeclarationSerializer(serializers.ModelSerializer):
    party_name = serializers.CharField(source="party.__str__", read_only=True)
    proposal = serializers.JSONField()
    payload = serializers.JSONField()
    problems = serializers.JSONField()

    class Meta:
        model = Declaration
        fields = [
            "id", "form", "purpose", "party", "party_name", "year", "event_date", "filed_on", "deadline", "late",
            "status", "incoming_entry", "case", "payload", "proposal", "problems", "decision_reason", "created_at",
            "decided_at",
        ]  # fmt: skip


class TaxDeclarationRecordInput(serializers.Serializer):
    form = serializers.ChoiceField(choices=Declaration.Form.choices)
    purpose = serializers.ChoiceField(choices=Declaration.Purpose.choices, default=Declaration.Purpose.FIRST)
    party = serializers.IntegerField(min_value=1)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    event_date = serializers.DateField(required=False, allow_null=True, default=None)
    filed_on = serializers.DateField()
    payload = serializers.JSONField()

    def validate_party(self, value: int) -> Party:
        party = Party.objects.filter(pk=value).first()
        if party is None:
            raise serializers.ValidationError(_("There is no party %(id)s.") % {"id": value})
        return party

    def validate_payload(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError(_("The payload must be an object."))
        return value


class TaxDeclarationAcceptInput(serializers.Serializer):
    proposal = serializers.JSONField(required=False, allow_null=True, default=None)


class TaxDeclarationRejectInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class TaxDeclarationFromEntryInput(serializers.Serializer):
    entry = serializers.IntegerField(min_value=1)

    def validate_entry(self, value: int) -> IncomingEntry:
        entry = IncomingEntry.objects.filter(pk=value).first()
        if entry is None:
            raise serializers.ValidationError(_("There is no EZD entry %(entry)s.") % {"entry": value})
        return entry


def _declaration(pk: int) -> Declaration:
    declaration = Declaration.objects.filter(pk=pk).first()
    if declaration is None:
        raise Http404
    return declaration


class DeclarationListApi(APIView):
    permission_classes = [require_perms_by_method({"GET": (VIEW,), "POST": (VIEW, MANAGE)})]
    serializer_class = TaxDeclarationSerializer

    @extend_schema(operation_id="v1_taxes_declarations_list", parameters=FILTERS,
                   responses={200: TaxDeclarationSerializer(many=True), **ERRORS})  # fmt: skip
    def get(self, request):
        _form, qs = filtered(request.query_params)
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(TaxDeclarationSerializer(page, many=True).data)

    @extend_schema(request=TaxDeclarationRecordInput, responses={201: TaxDeclarationSerializer, **ERRORS})
    def post(self, request):
        data = TaxDeclarationRecordInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        declaration = svc.declaration_record(
            actor=request.user, form=d["form"], party=d["party"], year=d["year"], purpose=d["purpose"],
            event_date=d["event_date"], filed_on=d["filed_on"], payload=d["payload"],
        )  # fmt: skip
        return Response(TaxDeclarationSerializer(declaration).data, status=status.HTTP_201_CREATED)


class DeclarationDetailApi(APIView):
    permission_classes = [require_perms(VIEW)]
    serializer_class = TaxDeclarationSerializer

    @extend_schema(responses={200: TaxDeclarationSerializer, **NOT_FOUND, **ERRORS})
    def get(self, request, pk: int):
        return Response(TaxDeclarationSerializer(_declaration(pk)).data)


class DeclarationAcceptApi(APIView):
    permission_classes = [require_perms(VIEW, MANAGE)]
    serializer_class = TaxDeclarationAcceptInput

    @extend_schema(request=TaxDeclarationAcceptInput, responses={200: TaxDeclarationSerializer, **NOT_FOUND, **ERRORS})
    def post(self, request, pk: int):
        declaration = _declaration(pk)
        data = TaxDeclarationAcceptInput(data=request.data)
        data.is_valid(raise_exception=True)
        declaration = svc.declaration_accept(actor=request.user, declaration=declaration,
                                             proposal=data.validated_data["proposal"])  # fmt: skip
        return Response(TaxDeclarationSerializer(declaration).data)


class DeclarationRejectApi(APIView):
    permission_classes = [require_perms(VIEW, MANAGE)]
    serializer_class = TaxDeclarationRejectInput

    @extend_schema(request=TaxDeclarationRejectInput, responses={200: TaxDeclarationSerializer, **NOT_FOUND, **ERRORS})
    def post(self, request, pk: int):
        declaration = _declaration(pk)
        data = TaxDeclarationRejectInput(data=request.data)
        data.is_valid(raise_exception=True)
        declaration = svc.declaration_reject(actor=request.user, declaration=declaration,
                                             reason=data.validated_data["reason"])  # fmt: skip
        return Response(TaxDeclarationSerializer(declaration).data)


class DeclarationFromEntryApi(APIView):
    permission_classes = [require_perms(VIEW, MANAGE)]
    serializer_class = TaxDeclarationFromEntryInput

    @extend_schema(request=TaxDeclarationFromEntryInput, responses={201: TaxDeclarationSerializer, **ERRORS})
    def post(self, request):
        data = TaxDeclarationFromEntryInput(data=request.data)
        data.is_valid(raise_exception=True)
        declaration = svc.declaration_from_incoming(actor=request.user, entry=data.validated_data["entry"])
        return Response(TaxDeclarationSerializer(declaration).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("declarations/", DeclarationListApi.as_view(), name="api-taxes-declarations"),
    path("declarations/from-entry/", DeclarationFromEntryApi.as_view(), name="api-taxes-declaration-from-entry"),
    path("declarations/<int:pk>/", DeclarationDetailApi.as_view(), name="api-taxes-declaration"),
    path("declarations/<int:pk>/accept/", DeclarationAcceptApi.as_view(), name="api-taxes-declaration-accept"),
    path("declarations/<int:pk>/reject/", DeclarationRejectApi.as_view(), name="api-taxes-declaration-reject"),
]
