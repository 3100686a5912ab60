"""/api/v1/taxes/waste/ — waste fee properties (list, create, detail with the declaration in force and its monthly
fee) and declarations (list, record, detail, accept, reject). Thin views: ``taxes.view_declaration`` to read,
``taxes.manage_register`` to write; the rules are in ``taxes.services.waste_declarations`` and a refusal is a 400 in
the project's error shape."""

from __future__ import annotations

from django.http import Http404
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.permissions import require_perms, require_perms_by_method
from core.api.serializers import ErrorResponseSerializer
from core.models import Party
from taxes.models import WasteDeclaration, WasteMethod, WasteProperty
from taxes.services import waste_declarations as svc

VIEW, MANAGE = "taxes.view_declaration", "taxes.manage_register"
PERMS = require_perms_by_method({"GET": (VIEW,), "POST": (VIEW, MANAGE)})
ERRORS = {400: ErrorResponseSerializer, 401: ErrorResponseSerializer, 403: ErrorResponseSerializer}
NOT_FOUND = {404: ErrorResponseSerializer}


class WastePropertySerializer(serializers.ModelSerializer):
    address = serializers.CharField(source="address.__str__", read_only=True)
    address_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = WasteProperty
        fields = ["id", "identifier", "address_id", "address", "kind", "dwelling_m2", "created_at"]


class WastePropertyCreateInput(serializers.Serializer):
    identifier = serializers.CharField(max_length=40)
    address = serializers.IntegerField(min_value=1)
    kind = serializers.ChoiceField(choices=WasteProperty.Kind.choices)
    dwelling_m2 = serializers.DecimalField(max_digits=10, decimal_places=2, required=False, allow_null=True)


class WasteDeclarationSerializer(serializers.ModelSerializer):
    class Meta:
        model = WasteDeclaration
        fields = [
            "id", "number", "property", "payer", "filed_on", "effective_from", "purpose", "method", "residents",
            "water_m3", "dwelling_m2", "households", "selective", "composts", "exemption_codes", "containers",
            "deadline", "late", "status", "previous", "superseded_by", "decision_reason", "created_at", "decided_at",
        ]  # fmt: skip


class ContainerInput(serializers.Serializer):
    capacity_l = serializers.IntegerField(min_value=1)
    frequency = serializers.IntegerField(min_value=1)
    count = serializers.IntegerField(default=1)


class WasteDeclarationCreateInput(serializers.Serializer):
    property = serializers.PrimaryKeyRelatedField(queryset=WasteProperty.objects.all())
    payer = serializers.PrimaryKeyRelatedField(queryset=Party.objects.all())
    filed_on = serializers.DateField()
    effective_from = serializers.DateField()
    event_date = serializers.DateField(required=False, allow_null=True, default=None)
    purpose = serializers.ChoiceField(choices=WasteDeclaration.Purpose.choices)
    method = serializers.ChoiceField(choices=WasteMethod.choices, required=False, allow_blank=True, default="")
    residents = serializers.IntegerField(required=False, allow_null=True, default=None)
    water_m3 = serializers.DecimalField(max_digits=10, decimal_places=2, required=False, allow_null=True, default=None)
    dwelling_m2 = serializers.DecimalField(
        max_digits=10, decimal_places=2, required=False, allow_null=True, default=None
    )
    households = serializers.IntegerField(required=False, allow_null=True, default=None)
    selective = serializers.BooleanField(default=True)
    composts = serializers.BooleanField(default=False)
    exemptions = serializers.ListField(child=serializers.CharField(max_length=40), required=False, default=list)
    containers = ContainerInput(many=True, required=False, default=list)


class WasteDeclarationRejectInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


def _get(model, pk: int):
    obj = model.objects.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


class WastePropertyListApi(APIView):
    permission_classes = [PERMS]

    @extend_schema(responses={200: WastePropertySerializer(many=True), **ERRORS})
    def get(self, request):
        qs = WasteProperty.objects.select_related("address").order_by("identifier")
        return Response(WastePropertySerializer(qs, many=True).data)

    @extend_schema(request=WastePropertyCreateInput, responses={201: WastePropertySerializer, **ERRORS})
    def post(self, request):
        data = WastePropertyCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        prop = svc.waste_property_create(actor=request.user, **data.validated_data)
        return Response(WastePropertySerializer(prop).data, status=status.HTTP_201_CREATED)


class WastePropertyDetailApi(APIView):
    permission_classes = [require_perms(VIEW)]

    @extend_schema(responses={200: WastePropertySerializer, **NOT_FOUND, **ERRORS})
    def get(self, request, pk: int):
        prop = _get(WasteProperty, pk)
        declaration, fee = svc.current_fee(prop, timezone.localdate())
        data = WastePropertySerializer(prop).data
        data["declaration_in_force"] = declaration.pk if declaration else None
        data["monthly_fee"] = None if fee is None else f"{fee.total:.2f}"
        data["declarations"] = WasteDeclarationSerializer(prop.declarations.all(), many=True).data
        return Response(data)


class WasteDeclarationListApi(APIView):
    permission_classes = [PERMS]

    @extend_schema(responses={200: WasteDeclarationSerializer(many=True), **ERRORS})
    def get(self, request):
        qs = WasteDeclaration.objects.all()
        if request.query_params.get("status") in WasteDeclaration.Status.values:
            qs = qs.filter(status=request.query_params["status"])
        return Response(WasteDeclarationSerializer(qs[:500], many=True).data)

    @extend_schema(request=WasteDeclarationCreateInput, responses={201: WasteDeclarationSerializer, **ERRORS})
    def post(self, request):
        data = WasteDeclarationCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        declaration = svc.waste_declaration_record(actor=request.user, **data.validated_data)
        return Response(WasteDeclarationSerializer(declaration).data, status=status.HTTP_201_CREATED)


class WasteDeclarationDetailApi(APIView):
    permission_classes = [require_perms(VIEW)]

    @extend_schema(responses={200: WasteDeclarationSerializer, **NOT_FOUND, **ERRORS})
    def get(self, request, pk: int):
        declaration = _get(WasteDeclaration, pk)
        fee = svc.declaration_fee(declaration)
        data = WasteDeclarationSerializer(declaration).data
        data["monthly_fee"] = None if fee is None else f"{fee.total:.2f}"
        return Response(data)


class WasteDeclarationAcceptApi(APIView):
    permission_classes = [require_perms(VIEW, MANAGE)]

    @extend_schema(request=None, responses={200: WasteDeclarationSerializer, **NOT_FOUND, **ERRORS})
    def post(self, request, pk: int):
        declaration = svc.waste_declaration_accept(actor=request.user, declaration=_get(WasteDeclaration, pk))
        return Response(WasteDeclarationSerializer(declaration).data)


class WasteDeclarationRejectApi(APIView):
    permission_classes = [require_perms(VIEW, MANAGE)]
    serializer_class = WasteDeclarationRejectInput

    @extend_schema(request=WasteDeclarationRejectInput, responses={200: WasteDeclarationSerializer, **NOT_FOUND,
                                                                    **ERRORS})  # fmt: skip
    def post(self, request, pk: int):
        declaration = _get(WasteDeclaration, pk)
        data = WasteDeclarationRejectInput(data=request.data)
        data.is_valid(raise_exception=True)
        declaration = svc.waste_declaration_reject(actor=request.user, declaration=declaration,
                                                   reason=data.validated_data["reason"])  # fmt: skip
        return Response(WasteDeclarationSerializer(declaration).data)


urlpatterns = [
    path("waste/properties/", WastePropertyListApi.as_view(), name="api-taxes-waste-properties"),
    path("waste/properties/<int:pk>/", WastePropertyDetailApi.as_view(), name="api-taxes-waste-property"),
    path("waste/declarations/", WasteDeclarationListApi.as_view(), name="api-taxes-waste-declarations"),
    path("waste/declarations/<int:pk>/", WasteDeclarationDetailApi.as_view(), name="api-taxes-waste-declaration"),
    path(
        "waste/declarations/<int:pk>/accept/",
        WasteDeclarationAcceptApi.as_view(),
        name="api-taxes-waste-declaration-accept",
    ),
    path(
        "waste/declarations/<int:pk>/reject/",
        WasteDeclarationRejectApi.as_view(),
        name="api-taxes-waste-declaration-reject",
    ),
]
