"""/api/v1/taxes/waste/declarations/from-entry/ — the DO-1 waste fee declaration received from ePUAP /
e-Doręczenia and registered in EZD: GET previews the parsed form with the matched property and payer and the
problems (nothing recorded), POST records it (``taxes.services.waste_intake.waste_declaration_from_incoming``) →
201 with the declaration. ``entry`` is the entry's id or its RPW number ``number/year``; ``property`` (optional)
the clerk's choice when the declared address matches none. Both need ``taxes.view_declaration`` and
``taxes.manage_register``; a refusal is a 400 in the project's error shape and records nothing."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.permissions import require_perms
from core.api.serializers import ErrorResponseSerializer
from taxes.api.waste import WasteDeclarationSerializer
from taxes.models import WasteProperty
from taxes.services import waste_intake as svc

VIEW, MANAGE = "taxes.view_declaration", "taxes.manage_register"
ERRORS = {400: ErrorResponseSerializer, 401: ErrorResponseSerializer, 403: ErrorResponseSerializer}


class WasteIntakeInput(serializers.Serializer):
    entry = serializers.CharField(max_length=30)
    property = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)

    def validate_entry(self, value: str):
        entry = svc.entry_by_reference(value, user=self.context["request"].user)
        if entry is None:
            raise serializers.ValidationError(_("There is no EZD entry %(entry)s.") % {"entry": str(value).strip()})
        return entry

    def validate_property(self, value):
        if value is None:
            return None
        prop = WasteProperty.objects.filter(pk=value).first()
        if prop is None:
            raise serializers.ValidationError(_("There is no waste fee property %(id)s.") % {"id": value})
        return prop


class IntakeFormSerializer(serializers.Serializer):
    purpose = serializers.CharField()
    event_date = serializers.DateField()
    payer = serializers.DictField(child=serializers.CharField(allow_blank=True))
    address = serializers.DictField(child=serializers.CharField(allow_blank=True))
    method = serializers.CharField()
    residents = serializers.CharField(allow_blank=True)
    water_m3 = serializers.CharField(allow_blank=True)
    dwelling_m2 = serializers.CharField(allow_blank=True)
    households = serializers.CharField(allow_blank=True)
    selective = serializers.BooleanField()
    composts = serializers.BooleanField()
    exemptions = serializers.ListField(child=serializers.CharField())
    containers = serializers.ListField(child=serializers.DictField())


class IntakePreviewSerializer(serializers.Serializer):
    entry = serializers.SerializerMethodField()
    form = IntakeFormSerializer()
    property = serializers.SerializerMethodField()
    property_matched = serializers.BooleanField()
    payer = serializers.SerializerMethodField()
    payer_matched = serializers.BooleanField()
    problems = serializers.ListField(child=serializers.CharField())

    def get_entry(self, obj) -> dict:
        e = obj.entry
        return {"id": e.pk, "number": f"{e.number}/{e.year}", "received_at": e.received_at, "case": e.case_id}

    def get_property(self, obj) -> dict | None:
        p = obj.property
        return None if p is None else {"id": p.pk, "identifier": p.identifier, "address": str(p.address)}

    def get_payer(self, obj) -> dict | None:
        return None if obj.payer is None else {"id": obj.payer.pk, "name": str(obj.payer)}


class WasteIntakeApi(APIView):
    permission_classes = [require_perms(VIEW, MANAGE)]
    serializer_class = WasteIntakeInput

    @extend_schema(
        operation_id="v1_taxes_waste_declarations_from_entry_preview",
        parameters=[OpenApiParameter("entry", str, required=True), OpenApiParameter("property", int, required=False)],
        responses={200: IntakePreviewSerializer, **ERRORS},
    )
    def get(self, request):
        data = WasteIntakeInput(data=request.query_params, context={"request": request})
        data.is_valid(raise_exception=True)
        preview = svc.waste_intake_preview(entry=data.validated_data["entry"], property=data.validated_data["property"])
        return Response(IntakePreviewSerializer(preview).data)

    @extend_schema(request=WasteIntakeInput, responses={201: WasteDeclarationSerializer, **ERRORS})
    def post(self, request):
        data = WasteIntakeInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        declaration = svc.waste_declaration_from_incoming(
            actor=request.user, entry=data.validated_data["entry"], property=data.validated_data["property"]
        )
        return Response(WasteDeclarationSerializer(declaration).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("waste/declarations/from-entry/", WasteIntakeApi.as_view(), name="api-taxes-waste-declaration-from-entry"),
]
