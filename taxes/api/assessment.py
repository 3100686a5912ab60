"""/api/v1/taxes/ — mass assessment: runs (list, create + dry run), a run's progress and summary, its proposals
(``?flag=``), issue; decisions (``?year=&party=``) and one decision with taxes, items and installments. Thin views:
``taxes.assess_taxes``; the rules are in ``taxes.services.assessment``."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.permissions import require_perms_by_method
from core.api.serializers import ErrorResponseSerializer
from taxes.models import AssessmentRun, Decision, DecisionInstallment, DecisionItem, DecisionTax, Proposal
from taxes.services.assessment import (
    FLAGS,
    assessment_run_create,
    assessment_run_issue,
    assessment_run_request_compute,
)

ASSESS = ("taxes.assess_taxes",)
PERMS = require_perms_by_method({"GET": ASSESS, "POST": ASSESS})
ERRORS = {400: ErrorResponseSerializer, 401: ErrorResponseSerializer, 403: ErrorResponseSerializer}


class AssessmentRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = AssessmentRun
        fields = ["id", "year", "status", "issue_date", "progress_done", "progress_total", "summary", "error",
                  "created_at", "finished_at"]  # fmt: skip


class AssessmentRunCreateSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    issue_date = serializers.DateField()


class AssessmentProposalSerializer(serializers.ModelSerializer):
    """A decision unit: ``party`` the addressee, ``co_obligors`` the other holders (ids), ``decisions`` the ids of
    the issued decisions (one per tax liability, in the order of ``taxes["decisions"]``); ``decision`` the first."""

    party_name = serializers.CharField(source="party.__str__", read_only=True)
    co_obligors = serializers.SerializerMethodField()
    decisions = serializers.SerializerMethodField()

    class Meta:
        model = Proposal
        fields = ["id", "unit", "party", "party_name", "co_obligors", "total", "previous_total", "difference",
                  "flags", "channel", "decision", "decisions", "taxes"]  # fmt: skip

    def get_co_obligors(self, obj) -> list[int]:
        return list((obj.taxes or {}).get("co_obligors", []))

    def get_decisions(self, obj) -> list[int]:
        return [link.decision_id for link in sorted(obj.issued.all(), key=lambda link: link.position)]


class TaxDecisionTaxSerializer(serializers.ModelSerializer):
    class Meta:
        model = DecisionTax
        fields = ["tax", "exact", "amount"]


class TaxDecisionItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = DecisionItem
        fields = ["tax", "object", "version", "category", "base", "rate", "months", "share", "amount"]


class TaxDecisionInstallmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = DecisionInstallment
        fields = ["number", "due_date", "effective_due_date", "amount"]


class TaxDecisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Decision
        fields = ["id", "run", "kind", "number", "party", "year", "period_from", "period_to", "issue_date", "status",
                  "total", "bank_account", "qr_payload", "delivered_on"]  # fmt: skip


class TaxDecisionDetailSerializer(TaxDecisionSerializer):
    taxes = TaxDecisionTaxSerializer(many=True, read_only=True)
    items = TaxDecisionItemSerializer(many=True, read_only=True)
    installments = TaxDecisionInstallmentSerializer(many=True, read_only=True)
    co_obligors = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta(TaxDecisionSerializer.Meta):
        fields = [*TaxDecisionSerializer.Meta.fields, "co_obligors", "taxes", "items", "installments"]


class AssessmentRunListView(APIView):
    permission_classes = [PERMS]

    @extend_schema(responses={200: AssessmentRunSerializer(many=True), **ERRORS})
    def get(self, request):
        return Response(AssessmentRunSerializer(AssessmentRun.objects.all()[:100], many=True).data)

    @extend_schema(request=AssessmentRunCreateSerializer, responses={201: AssessmentRunSerializer, **ERRORS})
    def post(self, request):
        data = AssessmentRunCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run = assessment_run_create(actor=request.user, **data.validated_data)
        run = assessment_run_request_compute(actor=request.user, run=run)
        return Response(AssessmentRunSerializer(run).data, status=status.HTTP_201_CREATED)


class AssessmentRunDetailView(APIView):
    permission_classes = [PERMS]

    @extend_schema(responses={200: AssessmentRunSerializer, **ERRORS})
    def get(self, request, pk: int):
        return Response(AssessmentRunSerializer(get_object_or_404(AssessmentRun, pk=pk)).data)


class AssessmentProposalListView(APIView):
    permission_classes = [PERMS]

    @extend_schema(
        parameters=[OpenApiParameter("flag", str, enum=list(FLAGS), description="only proposals with this flag")],
        responses={200: AssessmentProposalSerializer(many=True), **ERRORS},
    )
    def get(self, request, pk: int):
        run = get_object_or_404(AssessmentRun, pk=pk)
        rows = list(run.proposals.select_related("party").prefetch_related("issued").order_by("-difference", "id"))
        flag = request.query_params.get("flag")
        if flag:
            rows = [p for p in rows if flag in p.flags]
        return Response(AssessmentProposalSerializer(rows, many=True).data)


class AssessmentRunIssueView(APIView):
    permission_classes = [PERMS]

    @extend_schema(request=None, responses={200: AssessmentRunSerializer, **ERRORS})
    def post(self, request, pk: int):
        run = assessment_run_issue(actor=request.user, run=get_object_or_404(AssessmentRun, pk=pk))
        return Response(AssessmentRunSerializer(run).data)


class TaxDecisionListView(APIView):
    permission_classes = [PERMS]

    @extend_schema(
        parameters=[OpenApiParameter("year", int), OpenApiParameter("party", int)],
        responses={200: TaxDecisionSerializer(many=True), **ERRORS},
    )
    def get(self, request):
        qs = Decision.objects.all()
        for name in ("year", "party"):
            value = request.query_params.get(name, "")
            if value.isdigit():
                qs = qs.filter(**{name: int(value)})
        return Response(TaxDecisionSerializer(qs[:500], many=True).data)


class TaxDecisionDetailView(APIView):
    permission_classes = [PERMS]

    @extend_schema(responses={200: TaxDecisionDetailSerializer, **ERRORS})
    def get(self, request, pk: int):
        return Response(TaxDecisionDetailSerializer(get_object_or_404(Decision, pk=pk)).data)


urlpatterns = [
    path("assessment-runs/", AssessmentRunListView.as_view(), name="assessment-runs"),
    path("assessment-runs/<int:pk>/", AssessmentRunDetailView.as_view(), name="assessment-run"),
    path("assessment-runs/<int:pk>/proposals/", AssessmentProposalListView.as_view(), name="assessment-proposals"),
    path("assessment-runs/<int:pk>/issue/", AssessmentRunIssueView.as_view(), name="assessment-run-issue"),
    path("decisions/", TaxDecisionListView.as_view(), name="tax-decisions"),
    path("decisions/<int:pk>/", TaxDecisionDetailView.as_view(), name="tax-decision"),
]
