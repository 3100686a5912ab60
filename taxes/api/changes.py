"""/api/v1/taxes/changes/ — changing and ending decisions: the list (``?year=``) with the previous / new tax and the
difference per tax, one with its items and installments, ``detect`` (POST {year, parties}) and ``<id>/issue/``;
/api/v1/taxes/self-assessments/ (``?year=``) and ``self-assessments/post/`` (POST {declaration}). Thin views:
``taxes.assess_taxes``; the rules are in ``taxes.services.changes``."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.permissions import require_perms_by_method
from core.api.serializers import ErrorResponseSerializer
from taxes.models import Decision, DecisionInstallment, DecisionItem, Declaration
from taxes.services import changes as svc

ASSESS = ("taxes.assess_taxes",)
PERMS = require_perms_by_method({"GET": ASSESS, "POST": ASSESS})
ERRORS = {400: ErrorResponseSerializer, 401: ErrorResponseSerializer, 403: ErrorResponseSerializer}


class ChangeRowSerializer(serializers.Serializer):
    tax = serializers.CharField()
    old = serializers.DecimalField(max_digits=14, decimal_places=2)
    new = serializers.DecimalField(max_digits=14, decimal_places=2)
    difference = serializers.DecimalField(max_digits=14, decimal_places=2)


class ChangeSerializer(serializers.ModelSerializer):
    changes_number = serializers.CharField(source="changes.number", read_only=True, default="")
    previous_total = serializers.SerializerMethodField()
    difference = serializers.SerializerMethodField()
    per_tax = serializers.SerializerMethodField()

    class Meta:
        model = Decision
        fields = ["id", "kind", "number", "status", "party", "year", "period_from", "period_to", "issue_date",
                  "changes", "changes_number", "declaration", "total", "previous_total", "difference", "per_tax",
                  "delivered_on"]  # fmt: skip

    def _figures(self, obj) -> dict:
        cache = self.context.setdefault("figures", {})
        if obj.pk not in cache:
            cache[obj.pk] = svc.change_figures(obj)
        return cache[obj.pk]

    def get_previous_total(self, obj) -> str:
        return f"{self._figures(obj)['old']:.2f}"

    def get_difference(self, obj) -> str:
        return f"{self._figures(obj)['difference']:.2f}"

    def get_per_tax(self, obj) -> list[dict]:
        return ChangeRowSerializer(self._figures(obj)["rows"], many=True).data


class ChangeItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = DecisionItem
        fields = ["tax", "object", "version", "category", "base", "rate", "months", "share", "amount"]


class ChangeInstallmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = DecisionInstallment
        fields = ["number", "due_date", "effective_due_date", "amount"]


class ChangeDetailSerializer(ChangeSerializer):
    items = ChangeItemSerializer(many=True, read_only=True)
    installments = ChangeInstallmentSerializer(many=True, read_only=True)

    class Meta(ChangeSerializer.Meta):
        fields = [*ChangeSerializer.Meta.fields, "items", "installments"]


class DetectSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    parties = serializers.ListField(child=serializers.IntegerField(min_value=1), allow_empty=False, max_length=5000)


class DetectResultSerializer(serializers.Serializer):
    created = serializers.ListField(child=serializers.IntegerField())
    kept = serializers.ListField(child=serializers.IntegerField())
    cancelled = serializers.ListField(child=serializers.IntegerField())
    unchanged = serializers.ListField(child=serializers.IntegerField())
    no_decision = serializers.ListField(child=serializers.IntegerField())
    errors = serializers.ListField(child=serializers.DictField())


class PostSerializer(serializers.Serializer):
    declaration = serializers.IntegerField(min_value=1)


class SelfAssessmentSerializer(serializers.ModelSerializer):
    form = serializers.CharField(source="declaration.form", read_only=True)
    installments = ChangeInstallmentSerializer(many=True, read_only=True)

    class Meta:
        model = Decision
        fields = ["id", "party", "year", "declaration", "form", "issue_date", "total", "changes", "installments"]


def _year(request):
    value = request.query_params.get("year", "")
    return int(value) if value.isdigit() else None


class ChangeListApi(APIView):
    permission_classes = [PERMS]

    @extend_schema(parameters=[OpenApiParameter("year", int)], responses={200: ChangeSerializer(many=True), **ERRORS})
    def get(self, request):
        return Response(ChangeSerializer(svc.change_drafts(_year(request))[:500], many=True).data)


class ChangeDetectApi(APIView):
    permission_classes = [PERMS]

    @extend_schema(request=DetectSerializer, responses={200: DetectResultSerializer, **ERRORS})
    def post(self, request):
        data = DetectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = svc.changes_detect(actor=request.user, year=data.validated_data["year"],
                                    party_ids=data.validated_data["parties"])  # fmt: skip
        return Response(result)


class ChangeDetailApi(APIView):
    permission_classes = [PERMS]

    @extend_schema(responses={200: ChangeDetailSerializer, **ERRORS})
    def get(self, request, pk: int):
        decision = get_object_or_404(Decision, pk=pk, kind__in=svc.CHANGE_KINDS)
        return Response(ChangeDetailSerializer(decision).data)


class ChangeIssueApi(APIView):
    permission_classes = [PERMS]

    @extend_schema(request=None, responses={200: ChangeSerializer, **ERRORS})
    def post(self, request, pk: int):
        decision = get_object_or_404(Decision, pk=pk, kind__in=svc.CHANGE_KINDS)
        decision = svc.changing_decision_issue(actor=request.user, decision=decision)
        return Response(ChangeSerializer(decision).data)


class SelfAssessmentListApi(APIView):
    permission_classes = [PERMS]

    @extend_schema(
        parameters=[OpenApiParameter("year", int)], responses={200: SelfAssessmentSerializer(many=True), **ERRORS}
    )
    def get(self, request):
        return Response(SelfAssessmentSerializer(svc.self_assessments(_year(request))[:500], many=True).data)

    @extend_schema(request=PostSerializer, responses={201: SelfAssessmentSerializer, **ERRORS})
    def post(self, request):
        data = PostSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        declaration = get_object_or_404(Declaration, pk=data.validated_data["declaration"])
        decision = svc.self_assessment_post(actor=request.user, declaration=declaration)
        return Response(SelfAssessmentSerializer(decision).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("changes/", ChangeListApi.as_view(), name="api-taxes-change-list"),
    path("changes/detect/", ChangeDetectApi.as_view(), name="api-taxes-change-detect"),
    path("changes/<int:pk>/", ChangeDetailApi.as_view(), name="api-taxes-change-detail"),
    path("changes/<int:pk>/issue/", ChangeIssueApi.as_view(), name="api-taxes-change-issue"),
    path("self-assessments/", SelfAssessmentListApi.as_view(), name="api-taxes-self-assessment-list"),
]
