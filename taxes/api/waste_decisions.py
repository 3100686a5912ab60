"""/api/v1/taxes/waste/decisions/ — decisions determining the waste fee (ucpg art. 6o): list (``?status=``,
``?property=``), draft (POST), detail with the computation, issue, dispatch, cancel and the data suggested from a
verification finding (``suggest/?finding=<id>``). Thin views, permission ``taxes.assess_taxes``; the rules are in
``taxes.services.waste_decisions`` and a refusal is a 400 in the project's error shape (``errors`` per field)."""

from __future__ import annotations

from django.http import Http404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.permissions import require_perms
from core.api.serializers import ErrorResponseSerializer
from core.exceptions import ApplicationError, ServiceValidationError
from core.models import Party
from taxes.models import VerificationFinding, WasteDecision, WasteDeclaration, WasteMethod, WasteProperty
from taxes.services import waste_decisions as svc

PERM = "taxes.assess_taxes"
ERRORS = {400: ErrorResponseSerializer, 401: ErrorResponseSerializer, 403: ErrorResponseSerializer}
NOT_FOUND = {404: ErrorResponseSerializer}


class ContainerSerializer(serializers.Serializer):
    capacity_l = serializers.IntegerField(min_value=1)
    frequency = serializers.IntegerField(min_value=1)
    count = serializers.IntegerField(min_value=0, default=1)


class WasteDecisionSerializer(serializers.ModelSerializer):
    containers = ContainerSerializer(many=True, read_only=True)
    exemption_codes = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = WasteDecision
        fields = [
            "id", "number", "property", "payer", "finding", "declaration", "case", "effective_from", "method",
            "residents", "water_m3", "dwelling_m2", "households", "selective", "composts", "exemption_codes",
            "containers", "estimated", "justification", "monthly_fee", "status", "issue_date", "delivered_on",
            "document", "basis", "cancel_reason", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class FeeLineSerializer(serializers.Serializer):
    kind = serializers.CharField()
    code = serializers.CharField()
    label = serializers.CharField()
    quantity = serializers.CharField()
    rate = serializers.CharField()
    amount = serializers.CharField()


class WasteDecisionDetailSerializer(WasteDecisionSerializer):
    computation = serializers.SerializerMethodField()
    annual_fee = serializers.SerializerMethodField()

    class Meta(WasteDecisionSerializer.Meta):
        fields = [*WasteDecisionSerializer.Meta.fields, "computation", "annual_fee"]
        read_only_fields = fields

    def _fee(self, obj):
        if not hasattr(self, "_fee_cache"):
            self._fee_cache = {}
        if obj.pk not in self._fee_cache:
            try:
                self._fee_cache[obj.pk] = svc.fee_of(obj)
            except ApplicationError:
                self._fee_cache[obj.pk] = None
        return self._fee_cache[obj.pk]

    @extend_schema_field(FeeLineSerializer(many=True))
    def get_computation(self, obj) -> list[dict]:
        fee = self._fee(obj)
        if fee is None:
            return []
        return [
            {"kind": r.kind, "code": r.code, "label": r.label, "quantity": svc._number(r.quantity),
             "rate": svc._number(r.rate), "amount": svc._money(r.amount)}
            for r in svc.fee_rows(fee)
        ]  # fmt: skip

    def get_annual_fee(self, obj) -> str | None:
        fee = self._fee(obj)
        return None if fee is None else svc._money(fee.annual)


class WasteDecisionCreateInput(serializers.Serializer):
    property = serializers.PrimaryKeyRelatedField(queryset=WasteProperty.objects.all())
    payer = serializers.PrimaryKeyRelatedField(queryset=Party.objects.all(), required=False, allow_null=True,
                                               default=None)  # fmt: skip
    finding = serializers.PrimaryKeyRelatedField(queryset=VerificationFinding.objects.all(), required=False,
                                                 allow_null=True, default=None)  # fmt: skip
    declaration = serializers.PrimaryKeyRelatedField(queryset=WasteDeclaration.objects.all(), required=False,
                                                     allow_null=True, default=None)  # fmt: skip
    effective_from = serializers.DateField()
    method = serializers.ChoiceField(choices=WasteMethod.choices, required=False, allow_blank=True, default="")
    residents = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0)
    water_m3 = serializers.DecimalField(max_digits=10, decimal_places=2, required=False, allow_null=True, default=None)
    dwelling_m2 = serializers.DecimalField(
        max_digits=10, decimal_places=2, required=False, allow_null=True, default=None
    )
    households = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0)
    selective = serializers.BooleanField(default=True)
    composts = serializers.BooleanField(default=False)
    exemptions = serializers.ListField(child=serializers.CharField(max_length=40), required=False, default=list)
    containers = ContainerSerializer(many=True, required=False, default=list)
    estimated = serializers.BooleanField(default=False)
    justification = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class WasteDecisionSuggestionSerializer(serializers.Serializer):
    property = serializers.IntegerField()
    payer = serializers.IntegerField(allow_null=True)
    finding = serializers.IntegerField(allow_null=True)
    declaration = serializers.IntegerField(allow_null=True)
    effective_from = serializers.DateField()
    method = serializers.CharField(allow_blank=True)
    residents = serializers.IntegerField(allow_null=True)
    water_m3 = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    dwelling_m2 = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    households = serializers.IntegerField(allow_null=True)
    selective = serializers.BooleanField()
    composts = serializers.BooleanField()
    exemptions = serializers.ListField(child=serializers.CharField())
    containers = ContainerSerializer(many=True)
    estimated = serializers.BooleanField()
    justification = serializers.CharField(allow_blank=True)
    monthly_fee = serializers.CharField(allow_null=True)
    annual_fee = serializers.CharField(allow_null=True)


class WasteDecisionCancelInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


def _get(pk: int) -> WasteDecision:
    obj = WasteDecision.objects.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


class WasteDecisionListApi(APIView):
    permission_classes = [require_perms(PERM)]

    @extend_schema(
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=WasteDecision.Status.values),
            OpenApiParameter("property", OpenApiTypes.INT),
        ],
        responses={200: WasteDecisionSerializer(many=True), **ERRORS},
    )
    def get(self, request):
        qs = WasteDecision.objects.order_by("-created_at", "-id")
        if request.query_params.get("status") in WasteDecision.Status.values:
            qs = qs.filter(status=request.query_params["status"])
        if str(request.query_params.get("property", "")).isdigit():
            qs = qs.filter(property_id=int(request.query_params["property"]))
        return Response(WasteDecisionSerializer(qs[:500], many=True).data)

    @extend_schema(request=WasteDecisionCreateInput, responses={201: WasteDecisionDetailSerializer, **ERRORS})
    def post(self, request):
        data = WasteDecisionCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        decision = svc.waste_decision_draft(actor=request.user, **data.validated_data)
        return Response(WasteDecisionDetailSerializer(decision).data, status=status.HTTP_201_CREATED)


class WasteDecisionSuggestApi(APIView):
    permission_classes = [require_perms(PERM)]

    @extend_schema(
        parameters=[OpenApiParameter("finding", OpenApiTypes.INT, required=True)],
        responses={200: WasteDecisionSuggestionSerializer, **NOT_FOUND, **ERRORS},
    )
    def get(self, request):
        raw = str(request.query_params.get("finding", ""))
        if not raw.isdigit():
            message = _("Choose the verification finding.")
            raise ServiceValidationError(message, errors={"finding": [message]})
        finding = VerificationFinding.objects.filter(pk=int(raw)).first()
        if finding is None:
            raise Http404
        data = svc.waste_decision_suggest(finding=finding)
        fee = svc.suggested_fee(data)
        result = {
            **data,
            "property": data["property"].pk,
            "payer": data["payer"].pk if data["payer"] else None,
            "finding": finding.pk,
            "declaration": data["declaration"].pk if data["declaration"] else None,
            "monthly_fee": None if fee is None else svc._money(fee.total),
            "annual_fee": None if fee is None else svc._money(fee.annual),
        }
        return Response(WasteDecisionSuggestionSerializer(result).data)


class WasteDecisionDetailApi(APIView):
    permission_classes = [require_perms(PERM)]

    @extend_schema(responses={200: WasteDecisionDetailSerializer, **NOT_FOUND, **ERRORS})
    def get(self, request, pk: int):
        return Response(WasteDecisionDetailSerializer(_get(pk)).data)


class WasteDecisionIssueApi(APIView):
    permission_classes = [require_perms(PERM)]

    @extend_schema(request=None, responses={200: WasteDecisionDetailSerializer, **NOT_FOUND, **ERRORS})
    def post(self, request, pk: int):
        decision = svc.waste_decision_issue(actor=request.user, decision=_get(pk))
        return Response(WasteDecisionDetailSerializer(decision).data)


class WasteDecisionDispatchApi(APIView):
    permission_classes = [require_perms(PERM)]

    @extend_schema(request=None, responses={200: WasteDecisionDetailSerializer, **NOT_FOUND, **ERRORS})
    def post(self, request, pk: int):
        decision = svc.waste_decision_dispatch(actor=request.user, decision=_get(pk))
        return Response(WasteDecisionDetailSerializer(decision).data)


class WasteDecisionCancelApi(APIView):
    permission_classes = [require_perms(PERM)]
    serializer_class = WasteDecisionCancelInput

    @extend_schema(request=WasteDecisionCancelInput, responses={200: WasteDecisionDetailSerializer, **NOT_FOUND,
                                                                **ERRORS})  # fmt: skip
    def post(self, request, pk: int):
        decision = _get(pk)
        data = WasteDecisionCancelInput(data=request.data)
        data.is_valid(raise_exception=True)
        decision = svc.waste_decision_cancel(actor=request.user, decision=decision,
                                             reason=data.validated_data["reason"])  # fmt: skip
        return Response(WasteDecisionDetailSerializer(decision).data)


urlpatterns = [
    path("waste/decisions/", WasteDecisionListApi.as_view(), name="api-taxes-waste-decisions"),
    path("waste/decisions/suggest/", WasteDecisionSuggestApi.as_view(), name="api-taxes-waste-decision-suggest"),
    path("waste/decisions/<int:pk>/", WasteDecisionDetailApi.as_view(), name="api-taxes-waste-decision"),
    path("waste/decisions/<int:pk>/issue/", WasteDecisionIssueApi.as_view(), name="api-taxes-waste-decision-issue"),
    path(
        "waste/decisions/<int:pk>/dispatch/",
        WasteDecisionDispatchApi.as_view(),
        name="api-taxes-waste-decision-dispatch",
    ),
    path("waste/decisions/<int:pk>/cancel/", WasteDecisionCancelApi.as_view(), name="api-taxes-waste-decision-cancel"),
]
